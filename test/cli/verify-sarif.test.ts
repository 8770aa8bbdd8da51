// Issue [5] item 3: `verify --sarif FILE`, from the built bin: a private SARIF 2.1.0 file (valid against the
// official schema) when the gate ran, pointing at the workflow on a GitHub runner; nothing when it did not.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Log } from 'sarif';
import { sarifValidity } from '../support/sarif-schema';
import { createTestIssuer, type TestIssuer } from '../gate/helpers/issuer';
import { startTestApi, type TestApi } from '../gate/helpers/test-api';
import { runBin } from '../support/cli-bin';

let issuer: TestIssuer;
let api: TestApi;
beforeAll(async () => {
  issuer = await createTestIssuer();
  api = await startTestApi({ issuer, flaw: 'open' });
}, 60_000);
afterAll(async () => {
  await api?.close();
});

test('a failing gate: the SARIF file is private and valid, its results point to the workflow line probing the route', async () => {
  const work = mkdtempSync(join(tmpdir(), 'cli-sarif-'));
  mkdirSync(join(work, '.github/workflows'), { recursive: true });
  writeFileSync(
    join(work, '.github/workflows/gate.yml'),
    'on: push\njobs:\n  gate:\n    steps:\n      - run: npx entra-api-guard verify --api-url "$API_URL" --path /orders --sarif gate.sarif\n',
  );
  const file = join(work, 'gate.sarif');
  const run = await runBin(
    ['verify', '--api-url', api.url, '--path', '/orders', '--token-env', 'TOKEN', '--no-negative-probes', '--timeout-seconds', '2', '--sarif', file],
    {
      env: { TOKEN: await issuer.sign(), GITHUB_WORKSPACE: work, GITHUB_WORKFLOW_REF: 'octo-org/orders-api/.github/workflows/gate.yml@refs/heads/main' },
    },
  );
  expect(run.code).toBe(1);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const log = JSON.parse(readFileSync(file, 'utf8')) as Log;
  expect(sarifValidity(log)).toEqual({ valid: true, errors: null });
  const open = log.runs[0]!.results!.find((r) => r.ruleId === 'ERR_GATE_OPEN_API')!;
  expect(open.locations?.[0]).toEqual({
    physicalLocation: { artifactLocation: { uri: '.github/workflows/gate.yml', uriBaseId: '%SRCROOT%' }, region: { startLine: 5 } },
    logicalLocations: [{ name: 'GET /orders', fullyQualifiedName: 'routes/GET /orders', kind: 'resource' }],
  });
}, 30_000);

test('no gate run (the token command fails): no SARIF file, since an empty log would close open alerts', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'cli-sarif-')), 'gate.sarif');
  const run = await runBin(['verify', '--api-url', api.url, '--token-command', 'exit 3', '--sarif', file]);
  expect(run.code).toBe(1);
  expect(existsSync(file)).toBe(false);
}, 30_000);

test('a --sarif path in a folder that does not exist is a usage error, before any probe', async () => {
  const run = await runBin(['verify', '--api-url', api.url, '--sarif', '/nonexistent-folder/gate.sarif']);
  expect(run.code).toBe(2);
  expect(run.stderr).toBe(
    'error: --sarif: got "/nonexistent-folder/gate.sarif"; expected a file in an existing folder (/nonexistent-folder is not one) (see entra-api-guard verify --help)\n',
  );
}, 30_000);
