import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiGatewayV2Client, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import { writeMirrorCliConfig } from '../../src/deploy';
import { startMoto, type MotoServer } from '../../src/local/moto';
import { preparedTool } from '../support/prepare';
import { projectCopy, type ProjectCopy } from '../support/project-copy';
import { offlineTerraform, type OfflineTerraform } from '../support/tools';

/** cdktf-cli@0.21.0, installed once per machine by jest's globalSetup (test/support/prepare.ts). */
const cdktf = preparedTool('cdktf');
if ('skip' in cdktf) console.warn(`SKIPPING cdktf-cli tests: ${cdktf.skip}`);
const cli = 'path' in cdktf ? cdktf.path : undefined;
const tools = offlineTerraform();
if (cli && 'skip' in tools) console.warn(`SKIPPING cdktf deploy to moto: ${tools.skip}`);
const env = { ...process.env, CHECKPOINT_DISABLE: '1', CI: '1', FORCE_COLOR: '0' };

(cli ? describe : describe.skip)('cdktf-cli 0.21.0 works on this project', () => {
  // cdktf.json's app and `npm run synth` build first: in a copy of the project, not into the dist/
  // that other test files run at the same time.
  let copy: ProjectCopy;
  beforeAll(() => {
    copy = projectCopy();
  });
  afterAll(() => copy?.remove());

  test('`cdktf synth` yields the same stacks as `npm run synth`', () => {
    const work = mkdtempSync(join(tmpdir(), 'cdktf-cli-'));
    const viaCli = spawnSync(cli!, ['synth', '--output', join(work, 'cli')], { cwd: copy.dir, env, encoding: 'utf8', timeout: 120_000 });
    expect(viaCli.status).toBe(0);
    const viaNpm = spawnSync('npm', ['run', '-s', 'synth'], {
      cwd: copy.dir,
      env: { ...env, CDKTF_OUTDIR: join(work, 'npm') },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(viaNpm.status).toBe(0);
    for (const stack of ['identity', 'gateway']) {
      const a = readFileSync(join(work, 'cli', 'stacks', stack, 'cdk.tf.json'), 'utf8');
      const b = readFileSync(join(work, 'npm', 'stacks', stack, 'cdk.tf.json'), 'utf8');
      expect(a).toBe(b);
    }
  }, 240_000);

  ('skip' in tools ? describe.skip : describe)('`cdktf deploy gateway` with the local profile', () => {
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
      writeFileSync(
        configFile,
        JSON.stringify({
          profile: 'local',
          authorityHost: 'http://127.0.0.1:8400',
          apiName: 'cdktf-cli-api',
          aws: { region: 'us-east-1', endpoint: moto.url, providerVersion: (tools as OfflineTerraform).awsVersion },
          backend: { type: 'local', dir: join(work, 'state') },
        }),
      );
      const deployEnv = {
        ...env,
        ENTRA_API_GUARD_CONFIG: configFile,
        // cdktf-cli points terraform at a shared plugin cache unless told not to; the mirror must win.
        CDKTF_DISABLE_PLUGIN_CACHE_ENV: '1',
        TF_PLUGIN_CACHE_DIR: '',
        HOME: work,
        TF_CLI_CONFIG_FILE: writeMirrorCliConfig((tools as OfflineTerraform).mirror, join(work, 'terraform.rc')),
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      };
      const deploy = spawnSync(
        cli!,
        [
          'deploy',
          'gateway',
          '--auto-approve',
          '--ignore-missing-stack-dependencies',
          '--skip-provider-lock',
          '--output',
          join(work, 'out'),
          '--var',
          'api_client_id=6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
        ],
        { cwd: copy.dir, env: deployEnv, encoding: 'utf8', timeout: 240_000 },
      );
      if (deploy.status !== 0) throw new Error(`cdktf deploy failed:\n${(deploy.stdout + deploy.stderr).slice(-3000)}`);
      const client = new ApiGatewayV2Client({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      const apis = (await client.send(new GetApisCommand({}))).Items ?? [];
      client.destroy();
      expect(apis.map((a) => a.Name)).toContain('cdktf-cli-api');
    }, 300_000);
  });
});
