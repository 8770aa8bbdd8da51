/**
 * Issue [5] items 3 and 4, through the committed bundle as the runner runs it (every action.yml default
 * exported as INPUT_*): a job summary on every outcome — passed, gate failed, exchange failed, deploy
 * failed — and a SARIF file next to the report whenever the gate ran, valid against the official schema.
 */
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Log } from 'sarif';
import { writeMirrorCliConfig } from '../../src/deploy/provider-mirror';
import { sarifValidity } from '../support/sarif-schema';
import { createTestIssuer, type TestIssuer } from '../gate/helpers/issuer';
import { startTestApi, type TestApi } from '../gate/helpers/test-api';
import { CALLER, ORDERS_API, TENANT } from '../local/idp/helpers';
import { offlineTerraform } from '../support/tools';
import { startFederatedPath, type FederatedPath } from './federated-path';
import { errorLines, runAction, type ActionRun } from './harness';

/** Synth runs inside the bundle: its processes are capped (protocols.md §6). */
const BUNDLE_SYNTH_LIMITS = ['/bin/bash', '-c', 'ulimit -u 200 && exec "$0" "$@"', process.execPath];
const WORKFLOW_REF = 'octo-org/orders-api/.github/workflows/release-gate.yml@refs/heads/main';

let path: FederatedPath;
let issuer: TestIssuer;
const apis: TestApi[] = [];

beforeAll(async () => {
  path = await startFederatedPath();
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await Promise.all([path?.close(), ...apis.map((a) => a.close())]);
});

const oidcEnv = () => ({ ...path.oidcEnv(), GITHUB_WORKFLOW_REF: WORKFLOW_REF });
const verifyInputs = () => path.verifyInputs();

/** A workspace holding the workflow that configures the gate, as a checkout would. */
function workspaceWithWorkflow(): string {
  const work = mkdtempSync(join(tmpdir(), 'action-summary-'));
  const workflow = join(work, '.github/workflows/release-gate.yml');
  mkdirSync(dirname(workflow), { recursive: true });
  writeFileSync(
    workflow,
    [
      'on: push',
      'jobs:',
      '  gate:',
      '    steps:',
      '      - uses: octo-org/entra-api-guard@v1',
      '        with:',
      '          command: verify',
      '          paths: /hello',
      '',
    ].join('\n'),
  );
  return work;
}

/** Tokens the action masked (its ::add-mask:: lines): none of them, nor any 16-character run of one, may be in the summary. */
function expectNoMaskedValue(run: ActionRun): void {
  const masked = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('::add-mask::'))
    .map((l) => l.slice('::add-mask::'.length));
  expect(masked.length).toBeGreaterThan(0);
  for (const secret of masked) for (let i = 0; i + 16 <= secret.length; i += 8) expect(run.summary.includes(secret.slice(i, i + 16))).toBe(false);
}

function readSarif(run: ActionRun): Log {
  const file = run.outputs['sarif-file']!;
  expect(statSync(file).mode & 0o777).toBe(0o600);
  // Next to the report file: one private folder per run.
  expect(dirname(file)).toBe(dirname(run.outputs['report-file']!));
  const log = JSON.parse(readFileSync(file, 'utf8')) as Log;
  expect(sarifValidity(log)).toEqual({ valid: true, errors: null });
  return log;
}

test('passed: the summary has the table and the diagram; sarif-file is a valid log without results, pointing at the workflow', async () => {
  const run = await runAction(verifyInputs(), { env: oidcEnv(), cwd: workspaceWithWorkflow() });
  expect(errorLines(run.stdout)).toEqual([]);
  expect(run.code).toBe(0);
  expect(run.summary).toMatch(/^### entra-api-guard gate: ✅ passed/);
  expect(run.summary).toContain('```mermaid\nflowchart LR');
  expect(run.summary).toContain(`caller["caller app ${CALLER.clientId}"]`);
  expect(run.summary).toContain(`entra["Entra ID ${TENANT}"]`);
  expect(run.summary).toContain('authz --> r0["GET /hello"]:::pass');
  expect(run.summary).toContain('r0 --> r0p1["valid token: 200 #10003;"]:::pass');
  expectNoMaskedValue(run);
  expect(readSarif(run).runs[0]!.results).toEqual([]);
}, 60_000);

test("gate failed: the summary names the failures; SARIF results point to cdktf.json at the route's line and to the route key", async () => {
  const api = await startTestApi({ issuer, flaw: 'accepts-alg-none' });
  apis.push(api);
  const work = workspaceWithWorkflow();
  writeFileSync(
    join(work, 'cdktf.json'),
    JSON.stringify(
      { app: 'npx ts-node main.ts', context: { entraApiGuard: { routes: [{ routeKey: 'GET /health', public: true }, { routeKey: 'GET /orders' }] } } },
      null,
      2,
    ),
  );
  const token = await issuer.sign();
  const run = await runAction(
    { command: 'verify', 'api-url': api.url, paths: '/orders', token, 'timeout-seconds': '2' },
    { cwd: work, env: { GITHUB_WORKFLOW_REF: WORKFLOW_REF } },
  );
  expect(run.code).toBe(1);
  expect(run.summary).toMatch(/^### entra-api-guard gate: ❌ failed/);
  expect(run.summary).toContain('#### Failures');
  expect(run.summary).toContain('`ERR_GATE_ACCEPTS_FORGED`');
  expect(run.summary).toContain('r0 --> r0p3["alg-none: 200 #10007;"]:::fail');
  expect(run.summary).toContain('caller["a given token"]');
  expect(run.summary).toContain('caller -->|issued before this step| entra');
  expectNoMaskedValue(run);
  const log = readSarif(run);
  const result = log.runs[0]!.results!.find((r) => r.properties?.['probe'] === 'alg-none GET /orders')!;
  expect(result.ruleId).toBe('ERR_GATE_ACCEPTS_FORGED');
  const line =
    readFileSync(join(work, 'cdktf.json'), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('"GET /orders"')) + 1;
  expect(result.locations).toEqual([
    {
      physicalLocation: { artifactLocation: { uri: 'cdktf.json', uriBaseId: '%SRCROOT%' }, region: { startLine: line } },
      logicalLocations: [{ name: 'GET /orders', fullyQualifiedName: 'routes/GET /orders', kind: 'resource' }],
    },
  ]);
  const rule = log.runs[0]!.tool.driver.rules!.find((r) => r.id === 'ERR_GATE_ACCEPTS_FORGED')!;
  expect(rule.help?.text).toMatch(/\S/);
  expect(result.message.text).toContain(`Fix: ${rule.help!.text}`);
}, 30_000);

test('exchange failed (regression: the summary was empty): the AADSTS fix and the presented iss/sub/aud, never a token; no SARIF', async () => {
  const run = await runAction({ ...verifyInputs(), 'caller-client-id': ORDERS_API.clientId }, { env: oidcEnv(), cwd: workspaceWithWorkflow() });
  expect(run.code).toBe(1);
  const error = errorLines(run.stdout)[0]!;
  const aadsts = /^token exchange failed \((AADSTS\d+)\)/.exec(error)?.[1];
  expect(aadsts).toBeDefined();
  expect(run.summary).toMatch(new RegExp(`^### entra-api-guard: ❌ token exchange failed \\(${aadsts}\\)\\n\\n`));
  expect(run.summary).toContain('ERR_TOKEN_EXCHANGE_FAILED');
  expect(run.summary).toContain(`| \`iss\` | \`${path.github.issuer}\` |`);
  expect(run.summary).toMatch(/\| `sub` \| `repo:[^`]+` \|/);
  expect(run.summary).toContain('| `aud` | `api://AzureADTokenExchange` |');
  expect(run.summary).toContain(`refused["${aadsts}"]:::fail`);
  expectNoMaskedValue(run);
  // Nothing to upload: an exchange failure is no finding, and an empty log would close open alerts.
  expect(run.outputs['sarif-file']).toBeUndefined();
}, 30_000);

test('a bad input still leaves a one-line summary', async () => {
  const run = await runAction({ command: 'verify', 'api-url': 'https://api.example.invalid', token: 'a.b.c', 'timeout-seconds': '-5' });
  expect(run.code).toBe(1);
  expect(errorLines(run.stdout)[0]).toMatch(/^timeout-seconds: got "-5"/);
  expect(run.summary).toMatch(/^### entra-api-guard: ❌ failed\n\ntimeout-seconds: got "-5"; expected .* `ERR_INVALID_INPUT`\n$/);
}, 30_000);

test('deploy failed, terraform missing: the summary says what to install', async () => {
  const work = mkdtempSync(join(tmpdir(), 'action-summary-deploy-'));
  writeFileSync(
    join(work, 'guard.json'),
    JSON.stringify({
      profile: 'local',
      cloud: 'local',
      authorityHost: 'http://127.0.0.1:8400',
      aws: { region: 'us-east-1', endpoint: 'http://127.0.0.1:1' },
      backend: { type: 'local' },
    }),
  );
  const run = await runAction(
    { command: 'deploy', config: 'guard.json', 'tenant-id': TENANT, stacks: 'gateway', 'allow-local-backend': 'true', 'terraform-binary': 'tofu' },
    { cwd: work, env: { PATH: '/nonexistent', GITHUB_REPOSITORY: 'octo-org/orders-api' }, node: BUNDLE_SYNTH_LIMITS, timeoutMs: 120_000 },
  );
  expect(run.code).toBe(1);
  expect(run.summary).toMatch(/^### entra-api-guard: ❌ deploy failed\n\nterraform: got "tofu", which is not on PATH.* `ERR_TERRAFORM_MISSING`\n$/);
}, 60_000);

const tools = offlineTerraform();
if ('skip' in tools) console.warn(`SKIPPING the terraform deploy failure summary: ${tools.skip}`);
('skip' in tools ? test.skip : test)(
  "deploy failed in terraform: the summary names the failing stack and step and shows terraform's error",
  async () => {
    const work = mkdtempSync(join(tmpdir(), 'action-summary-tf-'));
    // No api-client-id: terraform itself refuses the gateway stack's plan (a required variable without a value).
    writeFileSync(
      join(work, 'guard.json'),
      JSON.stringify({
        profile: 'local',
        cloud: 'local',
        authorityHost: 'http://127.0.0.1:8400',
        aws: { region: 'us-east-1', endpoint: 'http://127.0.0.1:1', providerVersion: '5.100.0' },
        backend: { type: 'local' },
      }),
    );
    const run = await runAction(
      { command: 'deploy', config: 'guard.json', 'tenant-id': TENANT, stacks: 'gateway', 'allow-local-backend': 'true' },
      {
        cwd: work,
        node: BUNDLE_SYNTH_LIMITS,
        timeoutMs: 120_000,
        env: {
          GITHUB_REPOSITORY: 'octo-org/orders-api',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_EC2_METADATA_DISABLED: 'true',
          TF_CLI_CONFIG_FILE: writeMirrorCliConfig((tools as { mirror: string }).mirror, join(work, 'terraform.rc')),
        },
      },
    );
    expect(run.code).toBe(1);
    expect(run.summary).toMatch(
      /^### entra-api-guard: ❌ deploy failed\n\nStack \*\*gateway\*\* \(terraform apply\): terraform apply of stack gateway failed: No value for required variable `ERR_TERRAFORM_FAILED`/,
    );
    expect(run.summary).toContain("<details open><summary>terraform's error</summary>");
    expect(run.summary).toMatch(/```text\nError: No value for required variable\n[\s\S]*api_client_id[\s\S]*\n```\n/);
    expect(run.outputs['sarif-file']).toBeUndefined();
  },
  150_000,
);
