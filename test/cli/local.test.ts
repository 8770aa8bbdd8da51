import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli';
import { writeMirrorCliConfig } from '../../src/deploy';
import { startMoto } from '../../src/local/moto';
import { projectCopy } from '../support/project-copy';
import { offlineTerraform, type OfflineTerraform } from '../support/tools';

const ROOT = join(__dirname, '../..');

function buffers() {
  const out = { text: '', write: (t: string) => void (out.text += t) };
  const err = { text: '', write: (t: string) => void (err.text += t) };
  return { out, err, io: { stdout: out, stderr: err } };
}

describe('entra-api-guard local', () => {
  test('--engine emulate passes end to end, printing step timings and the table; the default rehearsal presents the immutable GitHub subject, and the credential trusts it', async () => {
    const { out, err, io } = buffers();
    // How long it takes is measured in bench/rehearsal.ts, not asserted here (the machine is shared).
    const code = await main(['local', '--engine', 'emulate', '--dir', ROOT], {}, io);
    expect(code).toBe(0);
    expect(out.text).toMatch(/^entra-api-guard local: PASS /);
    expect(err.text).toMatch(/✓ synthesize identity and gateway stacks \(\d+ ms\)/);
    expect(err.text).toMatch(/total \d+\.\d s/);
    expect(err.text).toContain('GitHub OIDC token: iss=http://127.0.0.1:');
    expect(err.text).toContain('sub=repo:octo-org@19186251/orders-api@892311047:ref:refs/heads/main');
  }, 30_000);

  // Side by side: a broken setup's gate polls until its deadline (--timeout-seconds 3) rather than computes.
  test.concurrent.each([
    ['open-api', 'ERR_GATE_OPEN_API'],
    ['ignore-signature', 'ERR_GATE_ACCEPTS_FORGED'],
    ['issuer-v1', 'ERR_GATE_UNAUTHORIZED'],
    ['wrong-audience', 'ERR_GATE_UNAUTHORIZED'],
  ])(
    '--break %s ends in a fail with %s and exit 1',
    async (mode, code) => {
      const { out, io } = buffers();
      expect(await main(['local', '--engine', 'emulate', '--break', mode, '--timeout-seconds', '3', '--dir', ROOT], {}, io)).toBe(1);
      expect(out.text).toMatch(/^entra-api-guard local: FAIL /);
      expect(out.text).toContain(code);
      expect(out.text).toContain('fix: ');
    },
    30_000,
  );

  test.each([
    ['subject-names', 'AADSTS700213', 'set caller.ownerId and caller.repositoryId in the config'],
    ['fic-audience', 'AADSTS700212', "fix the credential's audience"],
  ])(
    '--break %s: the exchange fails with %s and its fix, exit 1',
    async (mode, code, fix) => {
      const { err, io } = buffers();
      expect(await main(['local', '--engine', 'emulate', '--break', mode, '--dir', ROOT], {}, io)).toBe(1);
      const error = err.text.split('\n').find((line) => line.startsWith('error: '))!;
      expect(error).toContain(`token exchange failed (${code})`);
      expect(error).toContain(fix);
    },
    30_000,
  );

  test('--fault replication-delay=15 --timeout-seconds 60: the exchange waits replication out, says what it saw, and the gate passes', async () => {
    const { out, err, io } = buffers();
    expect(await main(['local', '--engine', 'emulate', '--fault', 'replication-delay=15', '--timeout-seconds', '60', '--dir', ROOT], {}, io)).toBe(0);
    expect(out.text).toMatch(/^entra-api-guard local: PASS /);
    expect(err.text).toContain('Entra replication delay 15 s');
    const saw = err.text.split('\n').find((line) => line.startsWith('waited for Entra to replicate the new identity; saw '))!;
    for (const code of ['AADSTS700016', 'AADSTS70021', 'AADSTS7000229', 'AADSTS501051']) expect(saw).toMatch(new RegExp(`${code} ×\\d+`));
    expect(err.text).toMatch(/token exchange: attempt \d+: AADSTS700016 \(not replicated yet\), retrying in \d+ ms/);
  }, 90_000);

  test.each([
    [['--engine', 'docker'], 'error: --engine: got "docker"; expected one of auto, terraform, emulate'],
    [
      ['--break', 'everything'],
      'error: --break: got "everything"; expected one of open-api, ignore-signature, issuer-v1, wrong-audience, subject-names, fic-audience, or an attack code from the README\'s attack table',
    ],
    [
      ['--fault', 'replication-delay=soon'],
      'error: --fault: got "replication-delay=soon"; expected replication-delay=SECONDS, a whole number of seconds from 0 to 3600',
    ],
    [['--fault', 'latency=5'], 'error: --fault: got "latency=5"; expected replication-delay=SECONDS'],
    [['--timeout-seconds', '-1'], 'error: --timeout-seconds: got "-1"; expected a value; to pass one starting with a dash write --timeout-seconds=-1'],
    [['--timeout-seconds=-1'], 'error: --timeout-seconds: got "-1"; expected a whole number of seconds from 1 to 3600'],
    [['--frobnicate'], 'error: option: got "--frobnicate"; expected one of --engine'],
  ])('usage error %j → exit 2, one line', async (args, message) => {
    const { err, io } = buffers();
    expect(await main(['local', ...args], {}, io)).toBe(2);
    expect(err.text.startsWith(message)).toBe(true);
    expect(err.text.trim().split('\n')).toHaveLength(1);
  });
});

const tools = offlineTerraform();
if ('skip' in tools) console.warn(`SKIPPING deploy --app against moto: ${tools.skip}`);
// npm start with the terraform engine (the quick start) runs in test/cli/local-terraform.test.ts.

describe('entra-api-guard synth and deploy', () => {
  test('synth writes the cdktf layout and reports it', async () => {
    const { out, io } = buffers();
    const outdir = join(tmpdir(), `cli-synth-${process.pid}`);
    expect(await main(['synth', '--dir', ROOT, '--out', outdir], {}, io)).toBe(0);
    expect(out.text).toContain(`synthesized gateway → ${outdir}/stacks/gateway/cdk.tf.json`);
  });

  test('a bad config is one line and exit 2', async () => {
    const { err, io } = buffers();
    expect(await main(['synth', '--dir', ROOT, '--out', '/tmp/x'], { ENTRA_API_GUARD_TOKEN_VERSION: '3' }, io)).toBe(2);
    expect(err.text).toBe('error: config.tokenVersion: got 3; expected 1 or 2 (2 is recommended)\n');
  });

  test.each([
    [['--mode', 'yolo'], 'error: --mode: got "yolo"; expected one of apply, plan, destroy'],
    [['--var', 'api_client_id=x'], 'error: --var: got "api_client_id=x"; expected STACK.NAME=VALUE'],
    [['--lock-timeout', 'forever'], 'error: --lock-timeout: got "forever"; expected a duration such as 0s, 90s, 5m or 1h'],
  ])('deploy usage error %j', async (args, message) => {
    const { err, io } = buffers();
    expect(await main(['deploy', ...args], {}, io)).toBe(2);
    expect(err.text.startsWith(message)).toBe(true);
  });

  test('deploy without the binary: one line with the setup advice, exit 1', async () => {
    const { err, io } = buffers();
    const code = await main(
      ['deploy', '--dir', ROOT, '--stacks', 'gateway', '--terraform', 'tofu-not-here', '--out', join(tmpdir(), `cli-deploy-${process.pid}`)],
      { PATH: process.env.PATH },
      io,
    );
    expect(code).toBe(1);
    expect(err.text).toContain(
      'error: terraform: got "tofu-not-here", which is not on PATH; expected terraform or tofu installed before this step (hashicorp/setup-terraform@v3 or opentofu/setup-opentofu@v1 in a workflow) [ERR_TERRAFORM_MISSING]',
    );
  });
});

('skip' in tools ? describe.skip : describe)('entra-api-guard deploy --app (a cdktf app run like cdktf synth)', () => {
  test("runs cdktf.json's app with CDKTF_OUTDIR and plans its gateway stack against moto", async () => {
    const { mirror, awsVersion } = tools as OfflineTerraform;
    const moto = await startMoto();
    // cdktf.json's app builds (npm run build) before it synthesizes: in a copy, not into the dist/ other tests run.
    const copy = projectCopy();
    try {
      const work = mkdtempSync(join(tmpdir(), 'cli-app-'));
      const configFile = join(work, 'local.json');
      writeFileSync(
        configFile,
        JSON.stringify({
          profile: 'local',
          authorityHost: 'http://127.0.0.1:8400',
          aws: { endpoint: moto.url, providerVersion: awsVersion },
          backend: { type: 'local', dir: join(work, 'state') },
        }),
      );
      const { out, err, io } = buffers();
      const env = {
        PATH: process.env.PATH,
        HOME: work,
        ENTRA_API_GUARD_CONFIG: configFile,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        TF_CLI_CONFIG_FILE: writeMirrorCliConfig(mirror, join(work, 'tf.rc')),
      };
      const code = await main(
        [
          'deploy',
          '--app',
          'auto',
          '--dir',
          copy.dir,
          '--out',
          join(work, 'out'),
          '--mode',
          'plan',
          '--stacks',
          'gateway',
          '--var',
          'gateway.api_client_id=6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
        ],
        env,
        io,
      );
      if (code !== 0) throw new Error(err.text.slice(-2000));
      expect(out.text).toBe('plan gateway: changed\n');
    } finally {
      copy.remove();
      await moto.close();
    }
  }, 120_000);

  test('an app that fails is one line with its last output line', async () => {
    const { err, io } = buffers();
    expect(await main(['deploy', '--app', 'echo boom >&2; exit 3', '--dir', ROOT, '--out', '/tmp/none'], { PATH: process.env.PATH }, io)).toBe(1);
    expect(err.text.split('\n').find((l) => l.startsWith('error:'))).toBe('error: app: "echo boom >&2; exit 3" exited with code 3: boom [ERR_SYNTH_FAILED]');
  });
});
