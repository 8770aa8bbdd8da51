/**
 * Issue [5] item 1: the verify sub-action (verify/action.yml, `uses: owner/entra-api-guard/verify@v1`),
 * run as the runner runs it: every default of *its* action.yml exported as INPUT_*, and the script
 * named from its own folder, `verify/../action/dist/index.js`, the main action's committed bundle.
 * The main action's outcomes (deploy failed included) are in summary.test.ts.
 */
import { existsSync, realpathSync } from 'node:fs';
import { INPUT_DEFAULTS, SUB_ACTION_INPUT, VERIFY_INPUTS } from '../../action/input-table';
import { entryPath, readManifest } from '../../action/manifest';
import { createTestIssuer, type TestIssuer } from '../gate/helpers/issuer';
import { startTestApi, type TestApi } from '../gate/helpers/test-api';
import { CALLER, ORDERS_API, TENANT } from '../local/idp/helpers';
import { startFederatedPath, type FederatedPath } from './federated-path';
import { BUNDLE, ROOT, errorLines, runAction, withoutMaskCommands } from './harness';

describe('verify/action.yml', () => {
  const main = readManifest(ROOT, 'main');
  const verify = readManifest(ROOT, 'verify');

  test("its inputs are the gate's inputs of the main action, same names and defaults (the one input table), plus its own sub-action", () => {
    const names = Object.keys(verify.inputs);
    expect(names.filter((n) => n !== SUB_ACTION_INPUT).sort()).toEqual([...VERIFY_INPUTS].sort());
    expect(names.length).toBeLessThanOrEqual(16);
    for (const name of VERIFY_INPUTS) {
      expect({ name, default: String(verify.inputs[name]!.default) }).toEqual({ name, default: INPUT_DEFAULTS[name] });
      expect({ name, inMain: main.inputs[name] !== undefined }).toEqual({ name, inMain: true });
    }
    expect(verify.inputs[SUB_ACTION_INPUT]!.default).toBe('verify');
    expect(main.inputs[SUB_ACTION_INPUT]).toBeUndefined();
  });

  test('its outputs are the report outputs of the main action', () => {
    expect(Object.keys(verify.outputs)).toEqual([
      'verdict',
      'api-url',
      'report',
      'report-file',
      'sarif-file',
      'unauthenticated-status',
      'authenticated-status',
    ]);
    for (const name of Object.keys(verify.outputs)) expect(main.outputs[name]).toBeDefined();
  });

  test("the runner starts the main action's bundle, named from the sub-action's folder", () => {
    expect(verify.runs.using).toBe(main.runs.using);
    const entry = entryPath(ROOT, verify);
    expect(entry).toBe(`${ROOT}/verify/../action/dist/index.js`);
    expect(existsSync(entry)).toBe(true);
    expect(realpathSync(entry)).toBe(realpathSync(BUNDLE));
  });
});

describe('action bundle as the verify sub-action', () => {
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

  /** The federated path's verify run, in the sub-action's inputs (it has no command input). */
  const gateInputs = (): Record<string, string> => {
    const { command: _command, ...rest } = path.verifyInputs();
    return rest;
  };

  test('passes: exchange, gate, report outputs and the passed summary; nothing deployed', async () => {
    const run = await runAction(gateInputs(), { action: 'verify', env: path.oidcEnv() });
    expect(errorLines(run.stdout)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ verdict: 'pass', 'api-url': path.gateway.url, 'unauthenticated-status': '401', 'authenticated-status': '200' });
    expect(Object.keys(run.outputs).sort()).toEqual([
      'api-url',
      'authenticated-status',
      'report',
      'report-file',
      'sarif-file',
      'unauthenticated-status',
      'verdict',
    ]);
    expect(run.summary).toMatch(/^### entra-api-guard gate: ✅ passed/);
    expect(run.summary).toContain(`caller["caller app ${CALLER.clientId}"]`);
    expect(withoutMaskCommands(run.stdout)).not.toMatch(/deprecated|terraform|synth/i);
  }, 60_000);

  test('a failing gate: exit 1, verdict fail, the failures in the summary with their fix', async () => {
    const api = await startTestApi({ issuer, flaw: 'accepts-alg-none' });
    apis.push(api);
    const run = await runAction({ 'api-url': api.url, paths: '/orders', token: await issuer.sign(), 'timeout-seconds': '2' }, { action: 'verify' });
    expect(run.code).toBe(1);
    expect(run.outputs['verdict']).toBe('fail');
    expect(errorLines(run.stdout).some((e) => /^alg-none GET \/orders: .* Fix: /.test(e))).toBe(true);
    expect(run.summary).toMatch(/^### entra-api-guard gate: ❌ failed/);
    expect(run.summary).toContain('`ERR_GATE_ACCEPTS_FORGED`');
  }, 30_000);

  test('a failing exchange: one error line with the AADSTS code, and a summary with its fix and the presented claims', async () => {
    const run = await runAction({ ...gateInputs(), 'caller-client-id': ORDERS_API.clientId }, { action: 'verify', env: path.oidcEnv() });
    expect(run.code).toBe(1);
    const errors = errorLines(run.stdout);
    expect(errors).toHaveLength(1);
    const aadsts = /^token exchange failed \((AADSTS\d+)\)/.exec(errors[0]!)?.[1];
    expect(aadsts).toBeDefined();
    expect(run.summary).toMatch(new RegExp(`^### entra-api-guard: ❌ token exchange failed \\(${aadsts}\\)\\n\\n`));
    expect(run.summary).toContain(`| \`iss\` | \`${path.github.issuer}\` |`);
    expect(run.outputs['verdict']).toBeUndefined();
  }, 30_000);

  test('its own errors name its inputs: no api-url or api-id, no token source', async () => {
    const env = { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' };
    const [noApi, noSource] = await Promise.all([
      runAction({ token: 'header.payload.signature' }, { action: 'verify', env }),
      runAction({ 'api-url': 'https://abc123.execute-api.eu-west-1.amazonaws.com' }, { action: 'verify', env }),
    ]);
    expect(errorLines(noApi.stdout)).toEqual(['api-url: got ""; expected the API URL to gate (or api-id to read it and the routes from AWS)']);
    expect(errorLines(noSource.stdout)).toEqual(['caller-client-id: got ""; expected the caller app\'s client id for the token exchange (or give token)']);
  }, 30_000);

  // A runner passes a `with:` entry the action.yml does not declare on, with only a warning.
  const UNDECLARED: [string, Record<string, string>, string][] = [
    [
      'a main-action input',
      { command: 'deploy' },
      'command: got "deploy"; expected nothing: the verify sub-action has no command input (use the main action with command: verify for it)',
    ],
    [
      'a gate setting of the main action only',
      { method: 'POST' },
      'method: got "POST"; expected nothing: the verify sub-action has no method input (use the main action with command: verify for it)',
    ],
    [
      'an old input name',
      { 'client-id': TENANT },
      `client-id: got "${TENANT}"; expected caller-client-id instead (client-id is its old name, which only the main action still takes)`,
    ],
    ['sub-action changed', { [SUB_ACTION_INPUT]: 'deploy' }, 'sub-action: got "deploy"; expected verify, as verify/action.yml sets it (leave the input out)'],
  ];

  test.each(UNDECLARED)(
    'refuses %s in one line, before any network call, with a one-line summary',
    async (_what, extra, line) => {
      const run = await runAction(
        { 'api-url': 'https://abc123.execute-api.eu-west-1.amazonaws.com', token: 'header.payload.signature', ...extra },
        { action: 'verify', env: { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' } },
      );
      expect(run.code).toBe(1);
      expect(errorLines(run.stdout)).toEqual([line]);
      // One line (markdown-escaped) under the title.
      expect(run.summary).toMatch(new RegExp(`^### entra-api-guard: ❌ failed\\n\\n${line.split(':')[0]}: got [^\\n]* \`ERR_INVALID_INPUT\`\\n$`));
      expect(run.outputs).toEqual({});
    },
    30_000,
  );
});
