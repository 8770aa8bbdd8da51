import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INPUT_DEFAULTS, RENAMED_INPUTS, SUB_ACTION_INPUT } from '../../action/input-table';
import { readManifest } from '../../action/manifest';
import { readInputs } from '../../action/inputs';
import { ROOT, actionYmlDefaults, errorLines, runAction, withoutMaskCommands } from './harness';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const VERIFY = { command: 'verify', 'api-url': 'https://abc123.execute-api.eu-west-1.amazonaws.com', token: 'header.payload.signature' };

/** [what, inputs, the one error line expected] — every line starts with the input's name. */
const BAD: [string, Record<string, string>, RegExp][] = [
  ['unknown command', { command: 'ship-it' }, /^command: got "ship-it"; expected one of deploy-and-verify, deploy, verify, plan, destroy$/],
  ['api-url not a URL', { ...VERIFY, 'api-url': 'not a url' }, /^api-url: got "not a url"; expected an absolute https:\/\/ URL/],
  ['api-url with a scheme other than http(s)', { ...VERIFY, 'api-url': 'ftp://example.com' }, /^api-url: got "ftp:\/\/example.com"/],
  ['api-url with a query', { ...VERIFY, 'api-url': 'https://x.example.com/?a=1' }, /^api-url: .*without \?query/],
  ['bad status list', { ...VERIFY, 'expect-unauthenticated': '401;403' }, /^expect-unauthenticated: got "401;403"; expected HTTP statuses from 100 to 599/],
  ['status out of range', { ...VERIFY, 'expect-authenticated': '700' }, /^expect-authenticated: got "700"/],
  [
    'bad tenant id',
    { ...VERIFY, 'tenant-id': 'contoso.onmicrosoft.com' },
    /^tenant-id: got "contoso.onmicrosoft.com"; expected the directory \(tenant\) id, a GUID/,
  ],
  ['negative time-out', { ...VERIFY, 'timeout-seconds': '-5' }, /^timeout-seconds: got "-5"; expected a whole number of seconds from 1 to 3600$/],
  ['time-out too long', { ...VERIFY, 'timeout-seconds': '99999' }, /^timeout-seconds: got "99999"/],
  ['fractional time-out', { ...VERIFY, 'timeout-seconds': '1.5' }, /^timeout-seconds: got "1.5"/],
  ['token version 3', { 'token-version': '3' }, /^token-version: got "3"; expected one of 1, 2$/],
  ['boolean not true/false', { ...VERIFY, 'negative-probes': 'yes' }, /^negative-probes: got "yes"; expected true or false$/],
  ['allow-local-backend typo', { 'allow-local-backend': 'ture' }, /^allow-local-backend: got "ture"; expected true or false$/],
  ['unknown terraform binary', { 'terraform-binary': 'terragrunt' }, /^terraform-binary: got "terragrunt"; expected one of terraform, tofu$/],
  ['unknown cloud', { ...VERIFY, cloud: 'azure-germany' }, /^cloud: got "azure-germany"; expected one of public, usgov, china, local$/],
  ['local cloud without authority host', { ...VERIFY, cloud: 'local' }, /^authority-host: .*Entra emulator URL when cloud is local$/],
  ['plain http authority host', { ...VERIFY, 'authority-host': 'http://login.example.com' }, /^authority-host: .*http:\/\/ only for loopback/],
  ['routes not JSON', { routes: 'GET /hello' }, /^routes: got "GET \/hello"; expected a JSON array/],
  ['backend not an object', { backend: '["s3"]' }, /^backend: got "\[\\"s3\\"\]"; expected a JSON object/],
  ['path without slash', { ...VERIFY, paths: 'orders' }, /^paths: got "orders"; expected paths starting with \//],
  ['bad method', { ...VERIFY, method: 'FETCH' }, /^method: got "FETCH"; expected one of GET/],
  ['bad lock time-out', { 'lock-timeout': 'forever' }, /^lock-timeout: got "forever"; expected a duration/],
  [
    'bad client id',
    { ...VERIFY, token: '', 'caller-client-id': 'my-app', 'tenant-id': TENANT },
    /^caller-client-id: got "my-app"; expected the caller app's client id, a GUID/,
  ],
  [
    'scope without /.default',
    { ...VERIFY, token: '', 'caller-client-id': TENANT, 'tenant-id': TENANT, scope: 'api://orders' },
    /^scope: got "api:\/\/orders"; expected an App ID URI followed by \/.default/,
  ],
  [
    'verify without api-url or api-id',
    { command: 'verify', token: 'a.b.c' },
    /^api-url: got ""; expected the API URL to gate \(or api-id to read it and the routes from AWS\) when command is verify$/,
  ],
  ['api-id with a slash', { ...VERIFY, 'api-id': 'abc/../x' }, /^api-id: got "abc\/..\/x"; expected an API Gateway API id/],
  ['public route that is no route key', { ...VERIFY, 'public-routes': 'health' }, /^public-routes: got "health"; expected METHOD \/path/],
  [
    'verify without token or caller-client-id',
    { command: 'verify', 'api-url': 'https://x.example.com' },
    /^caller-client-id: got ""; expected the caller app's client id for the token exchange \(or give token\)$/,
  ],
  [
    'token and caller-client-id together',
    { ...VERIFY, 'caller-client-id': TENANT },
    /^token: got "\(hidden\)"; expected either token or caller-client-id\/scope/,
  ],
  ['token with a plan', { command: 'plan', token: 'a.b.c' }, /^token: got "\(hidden\)"; expected nothing with command plan/],
  ['deploy-only input with verify', { ...VERIFY, routes: '[]' }, /^routes: .*nothing with command verify/],
  ['app and config inputs together', { app: 'npx ts-node main.ts', 'api-name': 'orders' }, /^app: .*either app .* or the config inputs/],
  ['unknown stack', { stacks: 'identity,database' }, /^stacks: got "identity,database"; expected stack names from identity, gateway/],
  // Cleartext tokens: http only to loopback, unless allow-insecure-http says otherwise.
  [
    'plain http api-url to a remote host',
    { ...VERIFY, 'api-url': 'http://api.example.com' },
    /^api-url: got "http:\/\/api\.example\.com"; expected an https:\/\/ URL: plain http:\/\/ sends the token in cleartext, .*allow-insecure-http/,
  ],
  ['allow-insecure-http typo', { ...VERIFY, 'allow-insecure-http': 'yes' }, /^allow-insecure-http: got "yes"; expected true or false$/],
  // Expectations that would let an open API (or one that refuses everyone) pass.
  [
    '2xx among the refusals',
    { ...VERIFY, 'expect-unauthenticated': '401,200' },
    /^expect-unauthenticated: got "401,200"; expected refusal statuses only, .*200 would let an API that answers anyone pass the gate$/,
  ],
  ['3xx among the refusals', { ...VERIFY, 'expect-unauthenticated': '302' }, /^expect-unauthenticated: got "302"; expected refusal statuses only/],
  [
    '401 among the let-ins',
    { ...VERIFY, 'expect-authenticated': '200,401' },
    /^expect-authenticated: got "200,401"; expected statuses of a request that was let in, .*401 would let an API that refuses the valid token pass the gate$/,
  ],
  ['403 among the let-ins', { ...VERIFY, 'expect-authenticated': '403' }, /^expect-authenticated: got "403"; expected statuses of a request that was let in/],
  // Credentials in the URL: refused without showing them.
  [
    'user:password in api-url',
    { ...VERIFY, 'api-url': 'https://gate:CANARY-URL-PASSWORD@api.example.com' },
    /^api-url: got "https:\/\/\*\*\*@api\.example\.com"; expected a URL without user:password@ in it/,
  ],
  [
    'user:password in authority-host',
    { ...VERIFY, 'authority-host': 'https://u:CANARY-URL-PASSWORD@login.example.com' },
    /^authority-host: got "https:\/\/\*\*\*@login\.example\.com"; expected a URL without user:password@/,
  ],
  [
    'a working-directory that does not exist',
    { 'working-directory': 'no/such/folder' },
    /^working-directory: got "no\/such\/folder"; expected an existing folder relative to the workspace/,
  ], // An old input name next to its new one: which one was meant is unclear.
  [
    'old and new name together',
    { ...VERIFY, token: '', 'client-id': TENANT, 'caller-client-id': TENANT },
    /^client-id: got "72f988bf-86f1-41af-91ab-2d7cd011db47"; expected either caller-client-id or its old name client-id, not both: keep caller-client-id$/,
  ],
  [
    'old and new terraform binary together',
    { terraform: 'tofu', 'terraform-binary': 'tofu' },
    /^terraform: got "tofu"; expected either terraform-binary or its old name terraform, not both: keep terraform-binary$/,
  ],
];

describe('action bundle: bad inputs', () => {
  test(`${BAD.length} bad values: exit 1, one ::error:: line each, before any network call`, async () => {
    // No ACTIONS_ID_TOKEN_REQUEST_*, an unroutable proxy: any network call would add a second error.
    const runs = await Promise.all(
      BAD.map(([, inputs]) => runAction(inputs, { env: { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' } })),
    );
    runs.forEach((run, i) => {
      const [what, , expected] = BAD[i]!;
      const errors = errorLines(run.stdout);
      expect({ what, code: run.code, errors: errors.length }).toEqual({ what, code: 1, errors: 1 });
      expect({ what, error: errors[0] }).toEqual({ what, error: expect.stringMatching(expected) });
      expect(withoutMaskCommands(run.stdout)).not.toContain('header.payload.signature');
      expect(run.stdout + run.stderr).not.toContain('CANARY-URL-PASSWORD');
    });
  }, 60_000);
});

describe('action bundle: old input names (issue [5] item 2)', () => {
  const warnings = (stdout: string): string[] =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('::warning::'))
      .map((l) => l.slice('::warning::'.length));

  test('each old name still works, with a warning naming the new one; its errors name what the workflow wrote', async () => {
    const env = { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' };
    const [terraform, subject, clientId, audience] = await Promise.all([
      runAction({ terraform: 'terragrunt' }, { env }),
      runAction({ subject: 'sometimes' }, { env }),
      runAction({ ...VERIFY, token: '', 'client-id': 'my-app', 'tenant-id': TENANT }, { env }),
      runAction({ ...VERIFY, audience: 'two words' }, { env }),
    ]);
    expect(warnings(terraform.stdout)).toEqual(['terraform is deprecated: use terraform-binary (same values)']);
    expect(errorLines(terraform.stdout)).toEqual(['terraform: got "terragrunt"; expected one of terraform, tofu']);
    expect(warnings(subject.stdout)).toEqual(['subject is deprecated: use subject-mode (same values)']);
    expect(errorLines(subject.stdout)).toEqual(['subject: got "sometimes"; expected one of auto, config']);
    expect(warnings(clientId.stdout)).toEqual(['client-id is deprecated: use caller-client-id (same values)']);
    expect(errorLines(clientId.stdout)).toEqual([expect.stringMatching(/^client-id: got "my-app"; expected the caller app's client id, a GUID/)]);
    expect(warnings(audience.stdout)).toEqual(['audience is deprecated: use oidc-audience (same values)']);
    expect(errorLines(audience.stdout)).toEqual([expect.stringMatching(/^audience: got "two words"; expected one audience without spaces/)]);
  }, 60_000);

  test('an old name sets the new one (readInputs): the runner exports the new name at its default', () => {
    const given: Record<string, string> = {
      ...actionYmlDefaults(),
      subject: 'config',
      terraform: 'tofu',
      'client-id': TENANT,
      audience: 'api://custom',
      command: 'deploy',
    };
    const lines: string[] = [];
    const inputs = readInputs(
      (name) => given[name] ?? '',
      (line) => lines.push(line),
    );
    expect({ subjectMode: inputs.subjectMode, terraformBinary: inputs.terraformBinary, clientId: inputs.clientId, oidcAudience: inputs.oidcAudience }).toEqual({
      subjectMode: 'config',
      terraformBinary: 'tofu',
      clientId: TENANT,
      oidcAudience: 'api://custom',
    });
    expect(lines).toHaveLength(4);
  });

  test('action.yml declares every old name without a default (the runner then exports it only when written), with a deprecationMessage naming the new one', () => {
    const manifest = readManifest(ROOT, 'main');
    for (const [oldName, newName] of Object.entries(RENAMED_INPUTS)) {
      expect(manifest.inputs[oldName]?.default).toBeUndefined();
      expect(manifest.inputs[oldName]?.deprecationMessage).toContain(newName);
      expect(manifest.inputs[newName]).toBeDefined();
    }
  });
});

describe('action.yml and the code agree', () => {
  test("the one table of input defaults is action.yml's, read with a YAML parser", () => {
    expect(INPUT_DEFAULTS).toEqual(actionYmlDefaults());
  });

  const declared = (section: 'inputs' | 'outputs'): string[] => {
    const text = readFileSync(join(ROOT, 'action.yml'), 'utf8');
    const block = text.split(new RegExp(`^${section}:\\s*$`, 'm'))[1]!.split(/^\S/m)[0]!;
    return [...block.matchAll(/^ {2}([a-z][a-z0-9-]*):\s*$/gm)].map((m) => m[1]!);
  };

  test("every input the action reads is declared, and every declared input is read (besides verify/action.yml's own sub-action)", () => {
    const read = new Set<string>();
    readInputs((name) => {
      read.add(name);
      return name === 'command' ? 'plan' : '';
    });
    expect([...read].sort()).toEqual([...declared('inputs'), SUB_ACTION_INPUT].sort());
  });

  test('runs on node24 from the committed bundle, with branding', () => {
    const text = readFileSync(join(ROOT, 'action.yml'), 'utf8');
    expect(text).toMatch(/^ {2}using: node24$/m);
    expect(text).toMatch(/^ {2}main: action\/dist\/index.js$/m);
    expect(text).toMatch(/^branding:/m);
    for (const name of ['verdict', 'api-url', 'report', 'unauthenticated-status', 'authenticated-status', 'api-id', 'caller-client-id', 'issuer'])
      expect(declared('outputs')).toContain(name);
  });
});
