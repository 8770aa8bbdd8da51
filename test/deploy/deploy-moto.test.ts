import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiGatewayV2Client, GetApiCommand } from '@aws-sdk/client-apigatewayv2';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deployStacks, writeMirrorCliConfig, type DeployOptions } from '../../src/deploy';
import { startMoto, type MotoServer } from '../../src/local/moto';
import { loadConfig } from '../../stacks/config';
import { synthesize } from '../../stacks/synth';
import { offlineTerraform } from '../support/tools';

const ROOT = join(__dirname, '../..');
const API_CLIENT_ID = '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const BUCKET = 'guard-state';
const tools = offlineTerraform();
if ('skip' in tools) console.warn(`SKIPPING deploy tests against moto: ${tools.skip}`);
const maybe = 'skip' in tools ? describe.skip : describe;

maybe('deploy: gateway stack with an S3 backend on moto (use_lockfile)', () => {
  let moto: MotoServer;
  let work: string;
  let env: Record<string, string | undefined>;
  const lines: string[] = [];
  const log = { info: (l: string) => void lines.push(l), group: <T>(_t: string, fn: () => Promise<T>) => fn() };

  /** Synthesizes the app into its own folder (separate checkouts, like two runners) with a state key prefix. */
  // Each test deploys its own API (names are unique in moto: log groups, roles, functions).
  const synthApp = (name: string, keyPrefix: string) =>
    synthesize(
      loadConfig({
        cwd: ROOT,
        env: {},
        overrides: {
          apiName: `api-${keyPrefix}`,
          aws: { region: 'us-east-1', endpoint: moto.url, providerVersion: '5.100.0' },
          backend: { type: 's3', bucket: BUCKET, region: 'us-east-1', keyPrefix, endpoint: moto.url },
        },
      }),
      join(work, name),
    ).outdir;
  const options = (outdir: string, extra: Partial<DeployOptions> = {}): DeployOptions => ({
    outdir,
    mode: 'apply',
    stacks: ['gateway'],
    env,
    ci: true,
    log,
    variables: { gateway: { api_client_id: API_CLIENT_ID } },
    ...extra,
  });
  let client: S3Client | undefined;
  const s3 = () => (client ??= new S3Client({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }));
  const stateOf = async (keyPrefix: string) => {
    const object = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: `${keyPrefix}/api-${keyPrefix}/gateway.tfstate` }));
    return JSON.parse(await object.Body!.transformToString()) as { serial: number; resources: { type: string; instances: { attributes: { id: string } }[] }[] };
  };

  beforeAll(async () => {
    moto = await startMoto();
    work = mkdtempSync(join(tmpdir(), 'deploy-moto-'));
    await s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
    env = {
      PATH: process.env.PATH,
      HOME: work,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      TF_CLI_CONFIG_FILE: writeMirrorCliConfig((tools as { mirror: string }).mirror, join(work, 'terraform.rc')),
      TF_PLUGIN_CACHE_DIR: undefined,
    };
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await moto?.close();
  });

  test('deploys, outputs come back typed, a second deploy has no changes', async () => {
    const outdir = synthApp('first', 'main');
    const first = await deployStacks(options(outdir));
    expect(first.version).toMatch(/^terraform \d+\.\d+/);
    expect(first.stacks).toEqual([expect.objectContaining({ name: 'gateway', changed: true })]);
    expect(first.outputs).toMatchObject({ issuer: expect.stringMatching(/\/v2\.0$/), audiences: [API_CLIENT_ID], apiId: expect.any(String), apiUrl: expect.stringMatching(/^https?:\/\//) });
    const state = await stateOf('main');
    expect(state?.resources.length).toBeGreaterThanOrEqual(8);

    const second = await deployStacks(options(outdir));
    expect(second.stacks[0]!.changed).toBe(false);
    expect(second.outputs.apiId).toBe(first.outputs.apiId);
  }, 240_000);

  test('concurrent deploys queue behind the lock with a lock time-out', async () => {
    const [a, b] = [synthApp('queue-a', 'queue'), synthApp('queue-b', 'queue')];
    const results = await Promise.all([deployStacks(options(a)), deployStacks(options(b))]);
    // One created everything; the other waited for the lock, then found nothing to do.
    expect(results.map((r) => r.stacks[0]!.changed).sort()).toEqual([false, true]);
    expect(results[0]!.outputs.apiId).toBe(results[1]!.outputs.apiId);
    const state = await stateOf('queue');
    const client = new ApiGatewayV2Client({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const apiId = state!.resources.find((r) => r.type === 'aws_apigatewayv2_api')!.instances[0]!.attributes.id;
    expect((await client.send(new GetApiCommand({ ApiId: apiId }))).Name).toBe('api-queue');
  }, 240_000);

  test('with -lock-timeout=0s the second run fails with a clear lock message; the state stays intact', async () => {
    const [a, b] = [synthApp('nolock-a', 'nolock'), synthApp('nolock-b', 'nolock')];
    const settled = await Promise.allSettled([deployStacks(options(a, { lockTimeout: '0s' })), deployStacks(options(b, { lockTimeout: '0s' }))]);
    const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason.code).toBe('ERR_STATE_LOCKED');
    expect(failed[0]!.reason.message).toMatch(/^terraform apply of stack gateway: the state is locked by another run .*lock-timeout 0s; wait for that run, or raise lock-timeout$/);
    const before = await stateOf('nolock');
    expect(before!.resources.length).toBeGreaterThanOrEqual(8);
    // A later run proceeds normally and leaves a newer, consistent state.
    const again = await deployStacks(options(a, { lockTimeout: '0s', variables: { gateway: { api_client_id: '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e' } } }));
    expect(again.stacks[0]!.changed).toBe(true);
    const after = await stateOf('nolock');
    expect(after!.serial).toBeGreaterThan(before!.serial);
  }, 240_000);

  test('bad credentials: one clear line, terraform error block kept', async () => {
    const outdir = synthApp('nocreds', 'nocreds');
    const noCreds = { PATH: env.PATH, HOME: env.HOME, AWS_EC2_METADATA_DISABLED: 'true', TF_CLI_CONFIG_FILE: env.TF_CLI_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE: join(work, 'none'), AWS_CONFIG_FILE: join(work, 'none') };
    const error = (await deployStacks(options(outdir, { env: noCreds })).then(
      () => ({ code: 'none', message: 'deploy unexpectedly succeeded', detail: '' }),
      (e: unknown) => e as { code: string; message: string; detail: string },
    ));
    expect(error.code).toBe('ERR_TERRAFORM_FAILED');
    expect(error.message).toMatch(/^terraform init of stack gateway failed: .*credential/i);
    expect(error.message).not.toContain('\n');
    expect(error.detail).toContain('Error:');
  }, 120_000);
});
