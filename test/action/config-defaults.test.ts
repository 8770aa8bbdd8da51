/**
 * The committed bundle with every action.yml default exported, as a runner does: an input at its
 * default never overrides the config, and `subject-mode: auto` never replaces configured subjects. Each run
 * plans with no terraform on PATH: the stacks are synthesized (what we check), then the run stops.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GITHUB_RUN_DEFAULTS, startGithubOidc, type GithubOidcEmulator } from '../../src/local/github';
import { listen, type RunningServer } from '../../src/local/server';
import { actionYmlDefaults, errorLines, runAction, type ActionRun } from './harness';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = '0b5d7c1e-2f3a-4b6c-8d9e-0f1a2b3c4d5e';
const API_CLIENT_ID = '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const REPO = 'octo-org/orders-api';

interface Synth {
  readonly gateway: Record<string, any>; // terraform JSON
  readonly identity: Record<string, any>;
}

const issuer = (s: Synth): string =>
  (Object.values(s.gateway['resource']['aws_apigatewayv2_authorizer'])[0] as { jwt_configuration: { issuer: string } }).jwt_configuration.issuer;
const subjects = (s: Synth): string[] =>
  Object.values(s.identity['resource']['azuread_application_federated_identity_credential'] as Record<string, { subject: string }>).map((c) => c.subject);

/** [input, what the config file says instead, what the synthesized stacks must then hold] */
const ROWS: [string, Record<string, unknown>, (s: Synth) => unknown, unknown][] = [
  [
    'cloud',
    { cloud: 'usgov' },
    (s) => [issuer(s), s.identity['provider']['azuread'][0].environment],
    [`https://login.microsoftonline.us/${TENANT}/v2.0`, 'usgovernment'],
  ],
  ['tenant-id', { tenantId: OTHER_TENANT }, issuer, `https://login.microsoftonline.com/${OTHER_TENANT}/v2.0`],
  [
    'api-name',
    { apiName: 'from-config' },
    (s) => Object.values(s.gateway['resource']['aws_apigatewayv2_api']).map((a) => (a as { name: string }).name),
    ['from-config'],
  ],
  ['token-version', { tokenVersion: 1 }, issuer, `https://sts.windows.net/${TENANT}/`],
  [
    'routes',
    { routes: [{ routeKey: 'GET /from-config' }] },
    (s) => Object.values(s.gateway['resource']['aws_apigatewayv2_route']).map((r) => (r as { route_key: string }).route_key),
    ['GET /from-config'],
  ],
  [
    'backend',
    { backend: { type: 'local', dir: 'from-config-state' } },
    (s) => /from-config-state/.test(s.gateway['terraform']['backend']['local']['path']),
    true,
  ],
  ['api-client-id', { apiClientId: API_CLIENT_ID }, (s) => s.gateway['variable']['api_client_id'].default, API_CLIENT_ID],
  ['authority-host', { authorityHost: 'https://login.example.test' }, issuer, `https://login.example.test/${TENANT}/v2.0`],
  ['subjects', { caller: { repository: REPO, subjects: ['environment:production'] } }, subjects, [`repo:${REPO}:environment:production`]],
  ['subject-mode', { caller: { repository: REPO, subjects: ['branch:release'] } }, subjects, [`repo:${REPO}:ref:refs/heads/release`]],
];

describe('action bundle: inputs at their action.yml default never override the config', () => {
  let github: GithubOidcEmulator;
  let idTokenRequests = 0;
  let countingIdp: RunningServer;

  beforeAll(async () => {
    github = await startGithubOidc();
    // Stands in for the runner's ID-token endpoint when a test must show that none was asked for.
    countingIdp = await listen((_req, res) => {
      idTokenRequests++;
      res.writeHead(500).end();
    });
  });
  afterAll(async () => {
    await Promise.all([github?.close(), countingIdp?.close()]);
  });

  /** Plans our stacks in a fresh folder with this config file; every default exported, no terraform. */
  async function plan(
    config: Record<string, unknown>,
    inputs: Record<string, string> = {},
    env: Record<string, string> = {},
    files: Record<string, string> = {},
  ): Promise<{ run: ActionRun; synth: () => Synth }> {
    const work = mkdtempSync(join(tmpdir(), 'action-defaults-'));
    writeFileSync(join(work, 'guard.json'), JSON.stringify(config));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(work, name), text);
    const run = await runAction(
      { command: 'plan', config: 'guard.json', ...inputs },
      {
        cwd: work,
        // Synth runs inside the bundle: cap its processes and time.
        node: ['/bin/bash', '-c', 'ulimit -u 200 && exec "$0" "$@"', process.execPath],
        timeoutMs: 60_000,
        env: {
          PATH: '/nonexistent',
          GITHUB_REPOSITORY: REPO,
          GITHUB_EVENT_NAME: 'push',
          ACTIONS_ID_TOKEN_REQUEST_URL: github.requestUrl,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken,
          ...env,
        },
      },
    );
    const read = (stack: string) => JSON.parse(readFileSync(join(work, 'cdktf.out', 'stacks', stack, 'cdk.tf.json'), 'utf8')) as Record<string, unknown>;
    return { run, synth: () => ({ gateway: read('gateway'), identity: read('identity') }) };
  }

  test.each(ROWS.map((row) => [row[0], row] as const))(
    '%s at its default: the config file decides',
    async (input, [, patch, pick, expected]) => {
      // The runner exports this input with its default (the harness does the same).
      expect(Object.keys(actionYmlDefaults())).toContain(input);
      const { run, synth } = await plan({ tenantId: TENANT, caller: { repository: REPO }, ...patch });
      // The run stops where terraform would start (not on an input or config error).
      expect(errorLines(run.stdout)).toEqual([expect.stringMatching(/^backend: got "local"|terraform/)]);
      expect(pick(synth())).toEqual(expected);
    },
    60_000,
  );

  test('subject-mode auto with no subjects configured trusts exactly the runner sub, and prints it', async () => {
    const { run, synth } = await plan({ tenantId: TENANT });
    // The runner's token carries GitHub's default subject: the immutable owner@id/repo@id form.
    const sub = `repo:octo-org@${GITHUB_RUN_DEFAULTS.repositoryOwnerId}/orders-api@${GITHUB_RUN_DEFAULTS.repositoryId}:ref:refs/heads/main`;
    expect(run.stdout).toContain(`subject-mode auto: trusting sub ${sub} from ${github.issuer}`);
    expect(subjects(synth())).toEqual([sub]);
  }, 60_000);

  test('subject-mode auto never replaces subjects configured in cdktf.json, the config file or the subjects input', async () => {
    const cdktfJson = JSON.stringify({ app: 'true', context: { entraApiGuard: { caller: { repository: REPO, subjects: ['environment:staging'] } } } });
    const fromContext = await plan({ tenantId: TENANT }, {}, {}, { 'cdktf.json': cdktfJson });
    expect(subjects(fromContext.synth())).toEqual([`repo:${REPO}:environment:staging`]);
    expect(fromContext.run.stdout).toContain(`subject-mode auto: subjects are configured, so the caller trusts exactly repo:${REPO}:environment:staging`);
    const fromFile = await plan({ tenantId: TENANT, caller: { repository: REPO, subjects: ['environment:production', 'branch:main'] } });
    expect(subjects(fromFile.synth()).sort()).toEqual([`repo:${REPO}:environment:production`, `repo:${REPO}:ref:refs/heads/main`]);
    const fromInput = await plan({ tenantId: TENANT }, { subjects: 'environment:production' });
    expect(subjects(fromInput.synth())).toEqual([`repo:${REPO}:environment:production`]);
  }, 90_000);

  test('configured shorthand subjects take the immutable form from GITHUB_REPOSITORY_OWNER_ID and GITHUB_REPOSITORY_ID (issue [4] item 1)', async () => {
    const { run, synth } = await plan(
      { tenantId: TENANT, caller: { repository: REPO } },
      { subjects: 'branch:main' },
      { GITHUB_REPOSITORY_OWNER_ID: '19186251', GITHUB_REPOSITORY_ID: '892311047' },
    );
    expect(errorLines(run.stdout)).toEqual([expect.stringMatching(/^backend: got "local"|terraform/)]);
    expect(run.stdout).not.toMatch(/^::warning::.*name-only subjects/m);
    expect(subjects(synth())).toEqual(['repo:octo-org@19186251/orders-api@892311047:ref:refs/heads/main']);
  }, 60_000);

  test.each([['pull_request'], ['pull_request_target']])(
    'subject-mode auto on %s: refused in one line, before any OIDC token is asked for',
    async (event) => {
      const before = idTokenRequests;
      const { run } = await plan(
        { tenantId: TENANT },
        { command: 'deploy' },
        { GITHUB_EVENT_NAME: event, ACTIONS_ID_TOKEN_REQUEST_URL: `${countingIdp.url}/token?x=1` },
      );
      expect(run.code).toBe(1);
      expect(errorLines(run.stdout)).toEqual([
        `subject-mode: got "auto"; expected subjects set explicitly on ${event} events (auto would trust whatever pull request runs this): set the subjects input (e.g. pull_request) or config caller.subjects`,
      ]);
      expect(idTokenRequests).toBe(before);
    },
    60_000,
  );

  test('a plan on pull_request goes on with the configured subjects, and says so', async () => {
    const { run, synth } = await plan({ tenantId: TENANT }, {}, { GITHUB_EVENT_NAME: 'pull_request' });
    expect(run.stdout).toMatch(/^::warning::subject-mode auto: not on a pull_request event; planning with the configured subjects$/m);
    expect(subjects(synth())).toEqual([`repo:${REPO}:ref:refs/heads/main`]);
  }, 60_000);
});
