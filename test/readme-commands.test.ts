// Issue [5] #7: two README promises, checked without cdktf-cli or terraform. The `cdktf deploy identity
// gateway` line's variable reaches the gateway stack's audience when cdktf.json's app synthesizes (the
// app cdktf runs, started as cdktf starts it: the environment and CDKTF_OUTDIR). And the `npm start`
// sample has the lines `entra-api-guard local` prints, compared with a real `--engine emulate` run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_ENV } from '../stacks/config';
import { ROOT, runBin } from './support/cli-bin';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const GUID = '3f9c1b2a-7d4e-4c8b-9a1f-2e6d5c4b3a21';

/** cdktf.json's app, run the way cdktf runs it: its command in a shell, its output folder in CDKTF_OUTDIR. */
function synthLikeCdktf(env: Record<string, string>): { gateway: any; identity: any } {
  const app = (JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')) as { app: string }).app;
  // The build half is globalSetup's job (a test never builds into the dist/ others read): run the rest.
  const run = app.split('&&').pop()!.trim();
  expect(run).toBe('node dist/bin/synth-app.js');
  const outdir = mkdtempSync(join(tmpdir(), 'cdktf-out-'));
  try {
    const result = spawnSync('sh', ['-c', run], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', CDKTF_OUTDIR: outdir, ...env }, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const read = (stack: string) => JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
    return { gateway: read('gateway'), identity: read('identity') };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('README: the cdktf deploy line', () => {
  const line = /^(\w+)=<api_client_id> npx cdktf-cli@0\.21\.0 deploy identity gateway$/m.exec(README);

  test('names the config variable for apiClientId', () => {
    expect(line).not.toBeNull();
    expect(CONFIG_ENV[line![1]!]).toBe('apiClientId');
  });

  test("its value becomes the default of the gateway's api_client_id variable, which is the authorizer's audience; the identity stack declares no such variable", () => {
    const { gateway, identity } = synthLikeCdktf({ [line![1]!]: GUID });
    expect(gateway.variable.api_client_id.default).toBe(GUID);
    const authorizers = Object.values(gateway.resource.aws_apigatewayv2_authorizer) as { jwt_configuration: { audience: string[] } }[];
    expect(authorizers.map((a) => a.jwt_configuration.audience)).toEqual([['${var.api_client_id}']]);
    expect(identity.variable?.api_client_id).toBeUndefined();
    // Without it, the variable has no default: terraform would ask for it.
    expect(synthLikeCdktf({}).gateway.variable.api_client_id.default).toBeUndefined();
  });
});

describe('README: the npm start sample', () => {
  /** What changes from run to run: ports, timings, the random path segment. */
  const normalize = (line: string) =>
    line
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
      .replace(/\d+ attempts?, \d+ ms/g, 'N attempts, N ms')
      .replace(/\(\d+ ms\)/g, '(N ms)')
      .replace(/[\d.]+ s\b/g, 'N s')
      .replace(/succeeded in \d+ ms/g, 'succeeded in N ms')
      .replace(/eag-[0-9a-f]{12}/g, 'eag-X');
  /** Steps only the terraform engine runs (the sample is a terraform run; the test runs the emulated one). */
  const TERRAFORM_ONLY = [/^✓ start moto_server /, /^✓ terraform apply of the gateway stack /, /^✓ read the deployed API back from moto /];
  const sample = /Progress goes to stderr, the gate's table to stdout:\n\n```text\n([\s\S]*?)```/.exec(README)?.[1]?.trimEnd().split('\n') ?? [];

  test('every line of the sample (but the engine, its own steps and the elision) is a line the rehearsal prints, in its order', async () => {
    expect(sample.length).toBeGreaterThan(20);
    const run = await runBin(['local', '--engine', 'emulate'], { env: { HOME: mkdtempSync(join(tmpdir(), 'readme-home-')) } });
    expect(run.code).toBe(0);
    // The sample shows both streams as a terminal does: progress, then the table, then the total.
    const printed = [
      ...run.stderr
        .trimEnd()
        .split('\n')
        .filter((l) => !l.startsWith('total ')),
      ...run.stdout.trimEnd().split('\n'),
      ...run.stderr.split('\n').filter((l) => l.startsWith('total ')),
    ].map(normalize);
    const [engine, ...rest] = sample;
    expect(engine).toMatch(/^entra-api-guard local: gateway engine terraform \(.+\)$/);
    expect(printed[0]).toMatch(/^entra-api-guard local: gateway engine emulate \(/);
    let at = 1;
    for (const line of rest.filter((l) => l.trim() !== '…' && !TERRAFORM_ONLY.some((step) => step.test(l))).map(normalize)) {
      const found = printed.indexOf(line, at);
      expect({ line, found: found >= 0 }).toEqual({ line, found: true });
      at = found + 1;
    }
  }, 60_000);
});
