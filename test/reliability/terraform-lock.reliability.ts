import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { writeMirrorCliConfig } from '../../src/deploy';
import { startMoto, type MotoServer } from '../../src/local/moto';
import { offlineTerraform } from '../support/tools';
import { msSince, recordFigure } from './support/figures';
import { runCli } from './support/runs';

/**
 * A held terraform state lock: another run's lock file sits in the S3 backend (use_lockfile), and
 * `entra-api-guard deploy --lock-timeout 0s` must fail at once with ERR_STATE_LOCKED in one line,
 * naming who holds the lock, and leave that lock alone.
 */

const ROOT = join(__dirname, '../..');
const BUCKET = 'reliability-state';
const KEY_PREFIX = 'held';
const API_NAME = 'api-held-lock';
const HOLDER = 'reliability-suite@lock-holder';
// stacks/backend.ts keys state as <keyPrefix>/<apiName>/<stack>.tfstate; terraform adds .tflock for the lock.
const LOCK_KEY = `${KEY_PREFIX}/${API_NAME}/gateway.tfstate.tflock`;

const tools = offlineTerraform();
if ('skip' in tools) {
  console.warn(`SKIPPING the held terraform lock test: ${tools.skip}`);
  recordFigure('terraform-lock', { skipped: tools.skip }, `terraform lock: SKIPPED (${tools.skip})`);
}

('skip' in tools ? describe.skip : describe)('a held terraform state lock', () => {
  let moto: MotoServer;
  let work: string;
  let s3: S3Client;

  beforeAll(async () => {
    moto = await startMoto();
    work = mkdtempSync(join(tmpdir(), 'reliability-lock-'));
    s3 = new S3Client({ endpoint: moto.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  }, 30_000);

  afterAll(async () => {
    s3?.destroy();
    await moto?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('deploy --lock-timeout 0s fails at once: exit 1, one ERR_STATE_LOCKED line naming the holder; the lock stays', async () => {
    const mirror = (tools as { mirror: string }).mirror;
    const lockInfo = {
      ID: randomUUID(),
      Operation: 'OperationTypeApply',
      Info: '',
      Who: HOLDER,
      Version: '1.11.4',
      Created: new Date().toISOString(),
      Path: `${BUCKET}/${LOCK_KEY}`,
    };
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: LOCK_KEY, Body: JSON.stringify(lockInfo), ContentType: 'application/json' }));
    const configFile = join(work, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        apiName: API_NAME,
        aws: { region: 'us-east-1', endpoint: moto.url, providerVersion: providerVersion(mirror) },
        backend: { type: 's3', bucket: BUCKET, region: 'us-east-1', keyPrefix: KEY_PREFIX, endpoint: moto.url },
      }),
    );
    const env = {
      HOME: work,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      TF_CLI_CONFIG_FILE: writeMirrorCliConfig(mirror, join(work, 'terraform.rc')),
    };
    const started = performance.now();
    const { code, stdout, stderr } = await runCli(
      [
        'deploy',
        '--dir',
        ROOT,
        '--config',
        configFile,
        '--out',
        join(work, 'out'),
        '--stacks',
        'gateway',
        '--var',
        'gateway.api_client_id=6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
        '--lock-timeout',
        '0s',
      ],
      env,
    );
    const ms = msSince(started);
    expect(code).toBe(1);
    const errorLine = stderr.split('\n').find((l) => l.startsWith('error: '));
    expect(errorLine).toBe(
      `error: terraform apply of stack gateway: the state is locked by another run (${HOLDER}) and the lock was not released within lock-timeout 0s; wait for that run, or raise lock-timeout [ERR_STATE_LOCKED]`,
    );
    // terraform's own block follows for the log, starting with its error title.
    expect(stderr.slice(stderr.indexOf(errorLine!) + errorLine!.length + 1)).toMatch(/^Error: Error acquiring the state lock/);
    expect(stdout).toBe('');
    // The other run's lock is untouched, and no state was written behind its back.
    const lock = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: LOCK_KEY }));
    expect(JSON.parse(await lock.Body!.transformToString())).toEqual(lockInfo);
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents?.map((o) => o.Key);
    expect(keys).toEqual([LOCK_KEY]);
    recordFigure(
      'terraform-lock',
      { ms, outcome: 'ERR_STATE_LOCKED' },
      `terraform lock: held S3 lock → ERR_STATE_LOCKED one-liner in ${(ms / 1000).toFixed(1)} s (synth + init + apply)`,
    );
  }, 120_000);
});

/** The newest aws provider version in the offline mirror (the stacks pin 6.x; the mirror may hold 5.x). */
function providerVersion(mirror: string): string {
  const versions = readdirSync(join(mirror, 'registry.terraform.io', 'hashicorp', 'aws')).sort();
  return versions[versions.length - 1]!;
}
