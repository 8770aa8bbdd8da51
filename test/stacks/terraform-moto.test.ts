import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiGatewayV2Client, GetAuthorizerCommand, GetRoutesCommand } from '@aws-sdk/client-apigatewayv2';
import { writeMirrorCliConfig } from '../../src/deploy/provider-mirror';
import { startMoto, type MotoServer } from '../../src/local/moto';
import { loadConfig } from '../../stacks/config';
import { synthesize } from '../../stacks/synth';
import { offlineTerraform } from '../support/tools';

const ROOT = join(__dirname, '../..');
const TENANT = '00000000-0000-4000-8000-000000000001';
const API_CLIENT_ID = '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const tools = offlineTerraform();
if ('skip' in tools) console.warn(`SKIPPING terraform + moto apply test: ${tools.skip}`);
const maybe = 'skip' in tools ? describe.skip : describe;

/** Runs terraform in a stack folder; resolves with the exit code and output, never throws on failure. */
function terraform(cwd: string, env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

maybe('gateway stack: real terraform against moto_server with the offline provider mirror', () => {
  let moto: MotoServer;
  let stackDir: string;
  let env: NodeJS.ProcessEnv;
  const vars = ['-var', `api_client_id=${API_CLIENT_ID}`];

  beforeAll(async () => {
    const { mirror } = tools as { mirror: string };
    moto = await startMoto();
    const work = mkdtempSync(join(tmpdir(), 'tf-moto-'));
    const config = loadConfig({
      cwd: ROOT,
      env: {},
      // The offline mirror holds aws 5.100.0; the prebuilt provider bindings pin 6.x: override here only.
      overrides: { aws: { region: 'us-east-1', endpoint: moto.url, providerVersion: '5.100.0' }, backend: { type: 'local', dir: join(work, 'state') } },
    });
    const result = synthesize(config, join(work, 'cdktf.out'));
    stackDir = result.stacks.find((s) => s.name === 'gateway')!.workingDirectory;
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      CHECKPOINT_DISABLE: '1',
      TF_CLI_CONFIG_FILE: writeMirrorCliConfig(mirror, join(work, 'terraform.rc')),
    };
  }, 60_000);

  afterAll(async () => {
    await moto?.close();
  });

  test('init → validate → apply → plan shows no changes → destroy', async () => {
    const step = async (args: string[], expected = 0) => {
      const { code, out } = await terraform(stackDir, env, args);
      if (code !== expected) throw new Error(`terraform ${args[0]} exited ${code}:\n${out.slice(-3000)}`);
      return out;
    };
    await step(['init', '-input=false', '-no-color']);
    await step(['validate', '-no-color']);
    await step(['apply', '-auto-approve', '-input=false', '-no-color', ...vars]);

    const outputs = JSON.parse(await step(['output', '-json'])) as Record<string, { value: unknown }>;
    expect(outputs.issuer!.value).toBe(`https://login.microsoftonline.com/${TENANT}/v2.0`);
    expect(outputs.audiences!.value).toEqual([API_CLIENT_ID]);
    const apiId = outputs.api_id!.value as string;
    expect(apiId).toMatch(/^\w+$/);

    // What moto now holds is what we declared: default-deny routes behind a JWT authorizer.
    const client = new ApiGatewayV2Client({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const routes = (await client.send(new GetRoutesCommand({ ApiId: apiId }))).Items ?? [];
    expect(routes.map((r) => `${r.RouteKey}=${r.AuthorizationType}`).sort()).toEqual(['ANY /{proxy+}=JWT', 'GET /health=NONE', 'GET /hello=JWT']);
    const authorizer = await client.send(new GetAuthorizerCommand({ ApiId: apiId, AuthorizerId: routes.find((r) => r.AuthorizerId)!.AuthorizerId! }));
    expect(authorizer.JwtConfiguration).toEqual({ Issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`, Audience: [API_CLIENT_ID] });

    // -detailed-exitcode: 0 means the second plan has nothing to do (no drift, no churn from the zip).
    await step(['plan', '-detailed-exitcode', '-input=false', '-no-color', ...vars], 0);
    await step(['destroy', '-auto-approve', '-input=false', '-no-color', ...vars]);
    const state = JSON.parse(readFileSync(resolve(stackDir, JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')).terraform.backend.local.path), 'utf8'));
    expect(state.resources).toEqual([]);
  }, 240_000);
});
