import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiGatewayV2Client, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import { writeMirrorCliConfig } from '../../src/deploy';
import { startMoto, type MotoServer } from '../../src/local/moto';
import { offlineTerraform } from '../support/tools';

const ROOT = join(__dirname, '../..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'cdktf-cli-0.21.0');
const CDKTF = join(CACHE, 'node_modules', '.bin', 'cdktf');

/** Installs cdktf-cli@0.21.0 once into node_modules/.cache (≈ 20 s, 420 MB); undefined if it cannot. */
function installCdktfCli(): string | undefined {
  if (existsSync(CDKTF)) return CDKTF;
  mkdirSync(CACHE, { recursive: true });
  const result = spawnSync('npm', ['install', '--prefix', CACHE, '--no-audit', '--no-fund', '--no-save', 'cdktf-cli@0.21.0'], { encoding: 'utf8', timeout: 240_000 });
  return result.status === 0 && existsSync(CDKTF) ? CDKTF : undefined;
}

const cli = installCdktfCli();
if (!cli) console.warn('SKIPPING cdktf-cli tests: npx cdktf-cli@0.21.0 could not be installed (no npm registry?)');
const tools = offlineTerraform();
if (cli && 'skip' in tools) console.warn(`SKIPPING cdktf deploy to moto: ${tools.skip}`);
const env = { ...process.env, CHECKPOINT_DISABLE: '1', CI: '1', FORCE_COLOR: '0' };

(cli ? describe : describe.skip)('cdktf-cli 0.21.0 works on this project', () => {
  test('`cdktf synth` yields the same stacks as `npm run synth`', () => {
    const work = mkdtempSync(join(tmpdir(), 'cdktf-cli-'));
    const viaCli = spawnSync(cli!, ['synth', '--output', join(work, 'cli')], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
    expect(viaCli.status).toBe(0);
    const viaNpm = spawnSync('npm', ['run', '-s', 'synth'], { cwd: ROOT, env: { ...env, CDKTF_OUTDIR: join(work, 'npm') }, encoding: 'utf8', timeout: 120_000 });
    expect(viaNpm.status).toBe(0);
    for (const stack of ['identity', 'gateway']) {
      const a = readFileSync(join(work, 'cli', 'stacks', stack, 'cdk.tf.json'), 'utf8');
      const b = readFileSync(join(work, 'npm', 'stacks', stack, 'cdk.tf.json'), 'utf8');
      expect(a).toBe(b);
    }
  }, 240_000);

  (('skip' in tools) ? describe.skip : describe)('`cdktf deploy gateway` with the local profile', () => {
    let moto: MotoServer;
    beforeAll(async () => {
      moto = await startMoto();
    });
    afterAll(async () => {
      await moto?.close();
    });

    test('deploys the gateway stack to moto', async () => {
      const work = mkdtempSync(join(tmpdir(), 'cdktf-deploy-'));
      const configFile = join(work, 'local.json');
      writeFileSync(configFile, JSON.stringify({
        profile: 'local',
        authorityHost: 'http://127.0.0.1:8400',
        apiName: 'cdktf-cli-api',
        aws: { region: 'us-east-1', endpoint: moto.url, providerVersion: '5.100.0' },
        backend: { type: 'local', dir: join(work, 'state') },
      }));
      const deployEnv = {
        ...env,
        ENTRA_API_GUARD_CONFIG: configFile,
        // cdktf-cli points terraform at a shared plugin cache unless told not to; the mirror must win.
        CDKTF_DISABLE_PLUGIN_CACHE_ENV: '1',
        TF_PLUGIN_CACHE_DIR: '',
        HOME: work,
        TF_CLI_CONFIG_FILE: writeMirrorCliConfig((tools as { mirror: string }).mirror, join(work, 'terraform.rc')),
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      };
      const deploy = spawnSync(cli!, ['deploy', 'gateway', '--auto-approve', '--ignore-missing-stack-dependencies', '--skip-provider-lock', '--output', join(work, 'out'), '--var', 'api_client_id=6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'], { cwd: ROOT, env: deployEnv, encoding: 'utf8', timeout: 240_000 });
      if (deploy.status !== 0) throw new Error(`cdktf deploy failed:\n${(deploy.stdout + deploy.stderr).slice(-3000)}`);
      const client = new ApiGatewayV2Client({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      const apis = (await client.send(new GetApisCommand({}))).Items ?? [];
      client.destroy();
      expect(apis.map((a) => a.Name)).toContain('cdktf-cli-api');
    }, 300_000);
  });
});
