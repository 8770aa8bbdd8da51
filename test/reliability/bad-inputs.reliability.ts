import { join } from 'node:path';
import { parseConfig } from '../../stacks/config';
import { errorLines, runAction, withoutMaskCommands, type ActionRun } from '../action/harness';
import { recordFigure } from './support/figures';
import { runCli } from './support/runs';

/**
 * Bad input across the three front doors, each with its EXACT error line: the CLI (main(): exit 2 and
 * that one line on stderr, nothing else), the committed action bundle (INPUT_* env: exit 1 and exactly
 * one `::error::` line) and the config (parseConfig: a ConfigError whose message is that line).
 */

const ROOT = join(__dirname, '../..');
const GUID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com';
/** Given as a token in bad-input runs: it must never be echoed. */
const SECRET = 'eyJhbGciOiJSUzI1NiJ9.eyJyZWxpYWJpbGl0eSI6MX0.bad-input-canary-signature';
const SEE_VERIFY = '(see entra-api-guard verify --help)';

// ─── CLI: [what, argv, the whole stderr line] ───────────────────────────────────────────────────
const CLI: readonly (readonly [string, readonly string[], string])[] = [
  ['unknown command', ['ship'], 'error: command: got "ship"; expected one of local, synth, deploy, verify, audit (see entra-api-guard --help)'],
  [
    'verify without --api-url or --api-id',
    ['verify'],
    `error: --api-url: got nothing; expected the API base URL, e.g. ${API} (or --api-id to read it and the routes from AWS) ${SEE_VERIFY}`,
  ],
  [
    'verify --api-id with a slash',
    ['verify', '--api-id', 'a/b'],
    `error: --api-id: got "a/b"; expected an API Gateway API id, letters and digits such as a1b2c3d4e5 ${SEE_VERIFY}`,
  ],
  [
    'audit --concurrency 0',
    ['audit', '--concurrency', '0'],
    'error: --concurrency: got "0"; expected a whole number of calls from 1 to 64 (see entra-api-guard audit --help)',
  ],
  ['--api-url not a URL', ['verify', '--api-url', 'x'], `error: --api-url: got "x"; expected an absolute https:// URL such as ${API} ${SEE_VERIFY}`],
  [
    '--api-url with ftp://',
    ['verify', '--api-url', 'ftp://h'],
    `error: --api-url: got "ftp://h"; expected an absolute https:// URL such as ${API} ${SEE_VERIFY}`,
  ],
  [
    '--api-url plain http to a remote host',
    ['verify', '--api-url', 'http://h.example'],
    `error: --api-url: got "http://h.example"; expected an https:// URL: plain http:// sends the token in cleartext, so it is only for loopback hosts (or pass --allow-insecure-http to send it anyway) ${SEE_VERIFY}`,
  ],
  [
    '--api-url with user:password@ (password hidden)',
    ['verify', '--api-url', `https://u:${SECRET}@h.example`],
    `error: --api-url: got "https://***@h.example"; expected a URL without user:password@ in it, such as ${API} (give credentials another way; a URL gets logged) ${SEE_VERIFY}`,
  ],
  [
    'a 2xx counted as a refusal',
    ['verify', '--api-url', API, '--expect-unauthenticated', '401,200'],
    `error: --expect-unauthenticated: got "401,200"; expected refusal statuses only, e.g. 401 or 401,403: 200 would let an API that answers anyone pass the gate ${SEE_VERIFY}`,
  ],
  ['--api-url without its value', ['verify', '--api-url'], `error: --api-url: got nothing; expected a value after it ${SEE_VERIFY}`],
  [
    '--path without a slash',
    ['verify', '--api-url', API, '--path', 'orders'],
    `error: --path: got "orders"; expected a path starting with /, e.g. /orders ${SEE_VERIFY}`,
  ],
  [
    '--method with a space',
    ['verify', '--api-url', API, '--method', 'GE T'],
    `error: --method: got "GE T"; expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS ${SEE_VERIFY}`,
  ],
  [
    '--body with GET',
    ['verify', '--api-url', API, '--body', '{}'],
    `error: --body: got "(given)"; expected no body with GET; use --method POST (or PUT, PATCH) ${SEE_VERIFY}`,
  ],
  [
    'two token sources',
    ['verify', '--api-url', API, '--token', SECRET, '--token-env', 'X'],
    `error: --token-env: got "X"; expected one token source only: --token, --token-env, --token-command, or --tenant-id/--client-id/--scope (got --token too) ${SEE_VERIFY}`,
  ],
  [
    '--token-env naming an unset variable',
    ['verify', '--api-url', API, '--token-env', 'NOPE_VAR'],
    `error: --token-env: got "NOPE_VAR"; expected the name of a set, non-empty environment variable holding the access token ${SEE_VERIFY}`,
  ],
  [
    '--tenant-id not a GUID',
    ['verify', '--api-url', API, '--tenant-id', 'contoso', '--client-id', 'x', '--scope', 'y'],
    `error: --tenant-id: got "contoso"; expected the directory (tenant) id, a GUID like ${GUID} ${SEE_VERIFY}`,
  ],
  [
    '--scope without /.default',
    ['verify', '--api-url', API, '--tenant-id', GUID, '--client-id', GUID, '--scope', 'api://x'],
    `error: --scope: got "api://x"; expected <App ID URI>/.default (app-only tokens need .default), e.g. api://orders-api/.default ${SEE_VERIFY}`,
  ],
  [
    '--timeout-seconds 0',
    ['verify', '--api-url', API, '--timeout-seconds', '0'],
    `error: --timeout-seconds: got "0"; expected a whole number of seconds from 1 to 3600 ${SEE_VERIFY}`,
  ],
  [
    'status list with a letter O',
    ['verify', '--api-url', API, '--expect-unauthenticated', '4O1'],
    `error: --expect-unauthenticated: got "4O1"; expected HTTP statuses from 100 to 599, comma-separated, e.g. 401 or 401,403 ${SEE_VERIFY}`,
  ],
  [
    'Authorization given as --header (value hidden)',
    ['verify', '--api-url', API, '--header', `Authorization: Bearer ${SECRET}`],
    `error: --header: got "Authorization: (hidden)"; expected no Authorization header: the probes set it (give the token with --token or another source) ${SEE_VERIFY}`,
  ],
  [
    '--header without a colon',
    ['verify', '--api-url', API, '--header', 'no colon'],
    `error: --header: got "no colon"; expected "Name: value", e.g. "x-api-key: abc" ${SEE_VERIFY}`,
  ],
  ['unknown verify option', ['verify', '--bogus'], `error: option: got "--bogus"; expected one of the options in entra-api-guard verify --help ${SEE_VERIFY}`],
  ['a value for a switch', ['verify', '--api-url', API, '--json=yes'], `error: --json: got "(a value)"; expected no value (it is a switch) ${SEE_VERIFY}`],
  ['unknown cloud', ['verify', '--api-url', API, '--cloud', 'mars'], `error: --cloud: got "mars"; expected one of public, usgov, china, local ${SEE_VERIFY}`],
  [
    'local cloud without --authority-host',
    ['verify', '--api-url', API, '--cloud', 'local'],
    `error: --authority-host: got nothing; expected the loopback URL of the Entra emulator (e.g. http://127.0.0.1:8400) when cloud is local ${SEE_VERIFY}`,
  ],
  [
    'a positional argument',
    ['verify', '--api-url', API, 'extra'],
    `error: arguments: got "extra"; expected options only (give paths with --path) ${SEE_VERIFY}`,
  ],
  [
    '--other-audience-scope without an Entra source',
    ['verify', '--api-url', API, '--other-audience-scope', 'api://x/.default'],
    `error: --other-audience-scope: got "api://x/.default"; expected only with --tenant-id/--client-id/--scope (a source that can mint tokens) ${SEE_VERIFY}`,
  ],
  [
    'local --engine docker',
    ['local', '--engine', 'docker'],
    'error: --engine: got "docker"; expected one of auto, terraform, emulate (see entra-api-guard local --help)',
  ],
  [
    'local --break with an unknown mode',
    ['local', '--break', 'everything'],
    'error: --break: got "everything"; expected one of open-api, ignore-signature, issuer-v1, wrong-audience, subject-names, fic-audience, or an attack code from the README\'s attack table (e.g. forged-signature-known-kid, forged-signature-new-kid, key-confusion-pem) (see entra-api-guard local --help)',
  ],
  [
    'local --fault with an unknown fault',
    ['local', '--fault', 'latency=5'],
    'error: --fault: got "latency=5"; expected replication-delay=SECONDS, a whole number of seconds from 0 to 3600 (see entra-api-guard local --help)',
  ],
  [
    'local --timeout-seconds 0',
    ['local', '--timeout-seconds', '0'],
    'error: --timeout-seconds: got "0"; expected a whole number of seconds from 1 to 3600 (see entra-api-guard local --help)',
  ],
  ['deploy --mode yolo', ['deploy', '--mode', 'yolo'], 'error: --mode: got "yolo"; expected one of apply, plan, destroy (see entra-api-guard deploy --help)'],
  [
    'deploy --lock-timeout forever',
    ['deploy', '--lock-timeout', 'forever'],
    'error: --lock-timeout: got "forever"; expected a duration such as 0s, 90s, 5m or 1h (see entra-api-guard deploy --help)',
  ],
  [
    'deploy --var without STACK.NAME=',
    ['deploy', '--var', 'nonsense'],
    'error: --var: got "nonsense"; expected STACK.NAME=VALUE, e.g. gateway.api_client_id=6a1b2c3d-… (see entra-api-guard deploy --help)',
  ],
  [
    'synth with an unknown option',
    ['synth', '--nope'],
    'error: option: got "--nope"; expected one of --out, --config, --dir, --json, --help (see entra-api-guard synth --help)',
  ],
  [
    'synth --config naming a missing file',
    ['synth', '--dir', ROOT, '--config', '/nonexistent/reliability.json'],
    'error: config file: got "/nonexistent/reliability.json"; expected a readable JSON file',
  ],
];

// ─── Action: [what, inputs, the one ::error:: line] ────────────────────────────────────────────
const VERIFY = { command: 'verify', 'api-url': API, token: SECRET };
const ACTION: readonly (readonly [string, Record<string, string>, string])[] = [
  ['unknown command', { command: 'ship-it' }, 'command: got "ship-it"; expected one of deploy-and-verify, deploy, verify, plan, destroy'],
  ['api-url not a URL', { ...VERIFY, 'api-url': 'not a url' }, `api-url: got "not a url"; expected an absolute https:// URL such as ${API}`],
  ['api-url with ftp://', { ...VERIFY, 'api-url': 'ftp://example.com' }, `api-url: got "ftp://example.com"; expected an absolute https:// URL such as ${API}`],
  [
    'api-url with a query',
    { ...VERIFY, 'api-url': 'https://x.example.com/?a=1' },
    `api-url: got "https://x.example.com/?a=1"; expected a URL without ?query or #fragment, such as ${API}`,
  ],
  [
    'status list with a semicolon',
    { ...VERIFY, 'expect-unauthenticated': '401;403' },
    'expect-unauthenticated: got "401;403"; expected HTTP statuses from 100 to 599, comma-separated, e.g. 401 or 401,403',
  ],
  [
    'status 700',
    { ...VERIFY, 'expect-authenticated': '700' },
    'expect-authenticated: got "700"; expected HTTP statuses from 100 to 599, comma-separated, e.g. 401 or 401,403',
  ],
  [
    'tenant-id as a domain',
    { ...VERIFY, 'tenant-id': 'contoso.onmicrosoft.com' },
    `tenant-id: got "contoso.onmicrosoft.com"; expected the directory (tenant) id, a GUID like ${GUID}`,
  ],
  ['negative time-out', { ...VERIFY, 'timeout-seconds': '-5' }, 'timeout-seconds: got "-5"; expected a whole number of seconds from 1 to 3600'],
  ['fractional time-out', { ...VERIFY, 'timeout-seconds': '1.5' }, 'timeout-seconds: got "1.5"; expected a whole number of seconds from 1 to 3600'],
  ['token-version 3', { 'token-version': '3' }, 'token-version: got "3"; expected one of 1, 2'],
  ['boolean "yes"', { ...VERIFY, 'negative-probes': 'yes' }, 'negative-probes: got "yes"; expected true or false'],
  ['terraform binary terragrunt', { 'terraform-binary': 'terragrunt' }, 'terraform-binary: got "terragrunt"; expected one of terraform, tofu'],
  ['local cloud without authority-host', { ...VERIFY, cloud: 'local' }, 'authority-host: got ""; expected the Entra emulator URL when cloud is local'],
  [
    'plain-http authority host off loopback',
    { ...VERIFY, 'authority-host': 'http://login.example.com' },
    'authority-host: got "http://login.example.com"; expected an https:// URL (http:// only for loopback emulators)',
  ],
  ['routes not JSON', { routes: 'GET /hello' }, 'routes: got "GET /hello"; expected a JSON array such as [{"routeKey":"GET /hello"}]'],
  ['backend a JSON array', { backend: '["s3"]' }, 'backend: got "[\\"s3\\"]"; expected a JSON object such as {"type":"s3","bucket":"my-state"}'],
  [
    'path without a slash',
    { ...VERIFY, paths: 'orders' },
    'paths: got "orders"; expected paths starting with /, comma- or newline-separated, e.g. /hello,/orders',
  ],
  ['method FETCH', { ...VERIFY, method: 'FETCH' }, 'method: got "FETCH"; expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS'],
  [
    'verify without api-url or api-id',
    { command: 'verify', token: SECRET },
    'api-url: got ""; expected the API URL to gate (or api-id to read it and the routes from AWS) when command is verify',
  ],
  [
    'verify without a token source',
    { command: 'verify', 'api-url': 'https://x.example.com' },
    'caller-client-id: got ""; expected the caller app\'s client id for the token exchange (or give token)',
  ],
  [
    'token and caller-client-id together (token hidden)',
    { ...VERIFY, 'caller-client-id': GUID },
    'token: got "(hidden)"; expected either token or caller-client-id/scope (the token exchange), not both',
  ],
  [
    'a token with plan (token hidden)',
    { command: 'plan', token: SECRET },
    'token: got "(hidden)"; expected nothing with command plan (the token is only used to verify)',
  ],
  ['unknown stack', { stacks: 'identity,database' }, 'stacks: got "identity,database"; expected stack names from identity, gateway, comma-separated'],
  [
    'api-name with a space',
    { 'api-name': 'orders api' },
    'api-name: got "orders api"; expected letters, digits, hyphens or underscores (up to 64), e.g. orders-api',
  ],
];

// ─── Config: [what, raw config, the ConfigError message] ───────────────────────────────────────
const BASE = { tenantId: GUID, caller: { repository: 'octo-org/orders-api' } };
const CONFIG: readonly (readonly [string, unknown, string])[] = [
  ['tenantId not a GUID', { ...BASE, tenantId: 'contoso' }, `config.tenantId: got "contoso"; expected a GUID like ${GUID}`],
  ['tokenVersion 3', { ...BASE, tokenVersion: 3 }, 'config.tokenVersion: got 3; expected 1 or 2 (2 is recommended)'],
  ['tokenVersion as a string', { ...BASE, tokenVersion: '2' }, 'config.tokenVersion: got "2"; expected 1 or 2 (2 is recommended)'],
  ['unknown profile', { ...BASE, profile: 'prod' }, 'config.profile: got "prod"; expected one of "cloud", "local"'],
  [
    'unknown top-level key',
    { ...BASE, color: 'blue' },
    "config.color: unknown key; expected one of the documented keys (see the README's configuration table)",
  ],
  [
    'unknown nested key',
    { ...BASE, caller: { repository: 'octo-org/orders-api', extra: 1 } },
    "config.caller.extra: unknown key; expected one of the documented keys (see the README's configuration table)",
  ],
  [
    'repository without owner',
    { ...BASE, caller: { repository: 'orders-api' } },
    'config.caller.repository: got "orders-api"; expected owner/repo, e.g. octo-org/orders-api',
  ],
  ['no routes', { ...BASE, routes: [] }, 'config.routes: got []; expected at least 1 item(s)'],
  ['no app roles', { ...BASE, appRoles: [] }, 'config.appRoles: got []; expected at least 1 item(s)'],
  ['backend type gcs', { ...BASE, backend: { type: 'gcs' } }, 'config.backend.type: got "gcs"; expected one of "local", "s3", "azurerm"'],
  ['s3 backend without bucket', { ...BASE, backend: { type: 's3' } }, 'config.backend.bucket: got nothing; expected a string'],
  ['AWS region "EU"', { ...BASE, aws: { region: 'EU' } }, 'config.aws.region: got "EU"; expected an AWS region such as eu-west-1'],
  [
    'integration of neither kind',
    { ...BASE, integration: { foo: 1 } },
    'config.integration: got {"foo":1}; expected { "lambdaDir": "<folder>" } or { "httpUrl": "https://…" }',
  ],
  [
    'apiName with a space',
    { ...BASE, apiName: 'orders api' },
    'config.apiName: got "orders api"; expected letters, digits, hyphens or underscores (up to 64), e.g. orders-api',
  ],
  [
    'authorityHost without scheme',
    { ...BASE, authorityHost: 'login.microsoftonline.us' },
    'config.authorityHost: got "login.microsoftonline.us"; expected an absolute https:// URL such as https://login.microsoftonline.us',
  ],
  [
    'short subject of an unknown kind',
    { ...BASE, caller: { repository: 'octo-org/orders-api', subjects: ['nope:x'] } },
    'config.caller.subjects[0]: got "nope:x"; expected branch:<name>, tag:<name>, environment:<name>, pull_request, or a full subject starting with repo:',
  ],
  [
    'full subject with a trailing space',
    { ...BASE, caller: { repository: 'octo-org/orders-api', subjects: ['repo:o/r:ref:refs/heads/main '] } },
    'config.caller.subjects[0]: got "repo:o/r:ref:refs/heads/main "; expected a GitHub subject like repo:octo-org/orders:ref:refs/heads/main, repo:octo-org/orders:environment:prod or repo:octo-org/orders:pull_request',
  ],
  ['empty subjects', { ...BASE, caller: { repository: 'octo-org/orders-api', subjects: [] } }, 'config.caller.subjects: got []; expected at least 1 item(s)'],
];

afterAll(() => {
  const total = CLI.length + ACTION.length + CONFIG.length;
  recordFigure(
    'bad-inputs',
    { cli: CLI.length, action: ACTION.length, config: CONFIG.length, total },
    `bad inputs: ${total} exact error lines (CLI ${CLI.length}, action ${ACTION.length}, config ${CONFIG.length})`,
  );
});

describe('CLI: exit 2 and exactly one error line on stderr', () => {
  test.each(CLI)('%s', async (_what, argv, line) => {
    const { code, stdout, stderr } = await runCli(argv);
    expect({ code, stderr, stdout }).toEqual({ code: 2, stderr: `${line}\n`, stdout: '' });
    expect(stderr).not.toContain(SECRET);
  });
});

describe('action bundle: exit 1 and exactly one ::error:: line', () => {
  let runs: ActionRun[];
  beforeAll(async () => {
    // An unroutable proxy: a network call before validation would add a second error.
    runs = await Promise.all(ACTION.map(([, inputs]) => runAction(inputs, { env: { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' } })));
  }, 60_000);

  test.each(ACTION.map((row, i) => [...row, i] as const))('%s', (_what, inputs, line, index) => {
    const run = runs[index]!;
    expect({ code: run.code, errors: errorLines(run.stdout), stderr: run.stderr }).toEqual({ code: 1, errors: [line], stderr: '' });
    if (inputs.token !== undefined) expect(run.stdout.split('\n')[0]).toBe(`::add-mask::${inputs.token}`);
    expect(withoutMaskCommands(run.stdout)).not.toContain(SECRET);
  });
});

describe('config (parseConfig): a ConfigError whose message is the one line', () => {
  test.each(CONFIG)('%s', (_what, raw, line) => {
    let caught: unknown;
    try {
      parseConfig(raw, ROOT);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toBe(line);
    expect((caught as { code?: string }).code).toMatch(/^ERR_INVALID_(CONFIG|INPUT)$/);
  });

  // Regression: zod's too_small for `.positive()` is exclusive; the line used to say "at least 0" while refusing 0.
  test('stage.throttlingBurstLimit 0 says "more than 0", not "at least 0"', () => {
    expect(() => parseConfig({ ...BASE, stage: { throttlingBurstLimit: 0 } }, ROOT)).toThrow('config.stage.throttlingBurstLimit: got 0; expected more than 0');
  });
});
