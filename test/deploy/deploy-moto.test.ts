import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiGatewayV2Client, GetApisCommand, GetAuthorizerCommand, GetRoutesCommand } from '@aws-sdk/client-apigatewayv2';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deployStacks, writeMirrorCliConfig, type DeployOptions } from '../../src/deploy';
import { startMoto, type MotoServer } from '../../src/local/moto';
import { loadConfig } from '../../stacks/config';
import { synthesize } from '../../stacks/synth';
import { offlineTerraform, type OfflineTerraform } from '../support/tools';

const ROOT = join(__dirname, '../..');
const TENANT = '00000000-0000-4000-8000-000000000001';
const API_CLIENT_ID = '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const OTHER_CLIENT_ID = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const BUCKET = 'guard-state';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const tools = offlineTerraform();
if ('skip' in tools) console.warn(`SKIPPING deploy tests against moto: ${tools.skip}`);
const maybe = 'skip' in tools ? describe.skip : describe;

/**
 * The gateway stack created with real terraform and the aws provider against moto_server, by runs that
 * race for the S3 state lock, then read back. Every terraform command spends seconds starting the aws
 * provider, so the race is the creation itself: the first run creates, the one that waits finds nothing
 * left to do, and one with -lock-timeout=0s is refused. Destroy runs through the CLI, in the README's
 * lifecycle (test/readme-deploy.test.ts).
 */
maybe('deploy: the gateway stack created on moto by runs that race for the lock (S3 backend, use_lockfile)', () => {
  let moto: MotoServer;
  let work: string;
  let env: Record<string, string | undefined>;
  let s3: S3Client;
  let apigw: ApiGatewayV2Client;
  const lines: string[] = [];
  const log = { info: (l: string) => void lines.push(l), group: <T>(_t: string, fn: () => Promise<T>) => fn() };
  const KEY_PREFIX = 'race';
  const API_NAME = `api-${KEY_PREFIX}`;
  const STATE_KEY = `${KEY_PREFIX}/${API_NAME}/gateway.tfstate`;

  /** Synthesizes the app into its own folder with a state key prefix (and so an API of its own). */
  const synthApp = (name: string, keyPrefix = KEY_PREFIX) =>
    synthesize(
      loadConfig({
        cwd: ROOT,
        env: {},
        overrides: {
          apiName: `api-${keyPrefix}`,
          aws: { region: 'us-east-1', endpoint: moto.url, providerVersion: (tools as OfflineTerraform).awsVersion },
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
  const stateOf = async (key = STATE_KEY) => {
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return JSON.parse(await object.Body!.transformToString()) as { serial: number; resources: { type: string; instances: { attributes: { id: string } }[] }[] };
  };
  const locked = () =>
    s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${STATE_KEY}.tflock` })).then(
      () => true,
      () => false,
    );

  beforeAll(async () => {
    moto = await startMoto();
    work = mkdtempSync(join(tmpdir(), 'deploy-moto-'));
    s3 = new S3Client({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true, credentials });
    apigw = new ApiGatewayV2Client({ endpoint: moto.url, region: 'us-east-1', credentials });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    env = {
      PATH: process.env.PATH,
      HOME: work,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      TF_CLI_CONFIG_FILE: writeMirrorCliConfig((tools as OfflineTerraform).mirror, join(work, 'terraform.rc')),
      TF_PLUGIN_CACHE_DIR: undefined,
    };
  }, 60_000);

  afterAll(async () => {
    s3?.destroy();
    apigw?.destroy();
    await moto?.close();
  });

  test('runs that race to create it: one creates (outputs typed; moto holds default-deny routes behind a JWT authorizer), the one that waits re-plans and finds nothing to do (no second API), with -lock-timeout=0s one fails with a clear line', async () => {
    // Separate checkouts (like runners of one pipeline), each deploying to the same state key. a creates
    // the API and holds the lock while it does; b (default lock time-out) and c (0s) start then.
    const [a, b, c] = ['a', 'b', 'c'].map((name) => synthApp(name));
    const creating = deployStacks(options(a!));
    const created = creating.then(
      () => true,
      () => true,
    );
    while (!(await locked())) {
      const ended = await Promise.race([created, new Promise<false>((r) => setTimeout(() => r(false), 50))]);
      if (ended) throw new Error(`the first run ended before its state lock was seen:\n${lines.slice(-10).join('\n')}`);
    }
    const waiting = deployStacks(options(b!));
    const refusing = deployStacks(options(c!, { lockTimeout: '0s', variables: { gateway: { api_client_id: OTHER_CLIENT_ID } } }));
    const [first, waited, refused] = await Promise.allSettled([creating, waiting, refusing]);

    expect(refused.status).toBe('rejected');
    const error = (refused as PromiseRejectedResult).reason as { code: string; message: string };
    expect(error.code).toBe('ERR_STATE_LOCKED');
    expect(error.message).toMatch(
      /^terraform apply of stack gateway: the state is locked by another run .*lock-timeout 0s; wait for that run, or raise lock-timeout$/,
    );

    if (first.status === 'rejected') throw first.reason;
    const result = first.value;
    expect(result.version).toMatch(/^terraform \d+\.\d+/);
    expect(result.stacks).toEqual([expect.objectContaining({ name: 'gateway', changed: true })]);
    expect(result.outputs).toMatchObject({
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      audiences: [API_CLIENT_ID],
      apiId: expect.stringMatching(/^\w+$/),
      apiUrl: expect.stringMatching(/^https?:\/\//),
    });
    const apiId = result.outputs.apiId!;

    // A plan saved before the lock was released would have created everything a second time; b planned
    // again under the lock, against a's state.
    if (waited.status === 'rejected') throw waited.reason;
    expect(waited.value.stacks[0]!.changed).toBe(false);
    expect(waited.value.outputs).toMatchObject({ apiId, audiences: [API_CLIENT_ID] });
    expect(((await apigw.send(new GetApisCommand({}))).Items ?? []).filter((api) => api.Name === API_NAME).map((api) => api.ApiId)).toEqual([apiId]);
    // One consistent state, a's; c wrote nothing; the lock is gone.
    expect((await stateOf()).resources.length).toBeGreaterThanOrEqual(8);
    expect(await locked()).toBe(false);

    const routes = (await apigw.send(new GetRoutesCommand({ ApiId: apiId }))).Items ?? [];
    expect(routes.map((r) => `${r.RouteKey}=${r.AuthorizationType}`).sort()).toEqual(['ANY /{proxy+}=JWT', 'GET /health=NONE', 'GET /hello=JWT']);
    const authorizer = await apigw.send(new GetAuthorizerCommand({ ApiId: apiId, AuthorizerId: routes.find((r) => r.AuthorizerId)!.AuthorizerId! }));
    expect(authorizer.JwtConfiguration).toEqual({ Issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`, Audience: [API_CLIENT_ID] });
  }, 240_000);

  test('bad credentials: one clear line, terraform error block kept', async () => {
    const outdir = synthApp('nocreds', 'nocreds');
    const noCreds = {
      PATH: env.PATH,
      HOME: env.HOME,
      AWS_EC2_METADATA_DISABLED: 'true',
      TF_CLI_CONFIG_FILE: env.TF_CLI_CONFIG_FILE,
      AWS_SHARED_CREDENTIALS_FILE: join(work, 'none'),
      AWS_CONFIG_FILE: join(work, 'none'),
    };
    const error = await deployStacks(options(outdir, { env: noCreds })).then(
      () => ({ code: 'none', message: 'deploy unexpectedly succeeded', detail: '' }),
      (e: unknown) => e as { code: string; message: string; detail: string },
    );
    expect(error.code).toBe('ERR_TERRAFORM_FAILED');
    expect(error.message).toMatch(/^terraform init of stack gateway failed: .*credential/i);
    expect(error.message).not.toContain('\n');
    expect(error.detail).toContain('Error:');
  }, 120_000);
});
