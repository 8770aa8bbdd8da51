import {
  checkGithubSubject,
  githubIssuer,
  githubSubject,
  parseApiUrl,
  parseExpectAuthenticated,
  parseExpectUnauthenticated,
  parseSubjectScope,
  probesForRoute,
  resolveCloud,
  stableUuid,
  tokenContract,
  unsafeExpectation,
} from '../../src/contract';
import { InvalidInputError } from '../../src/errors';

const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '11111111-2222-3333-4444-555555555555';

describe('clouds (protocols.md §2, sovereign clouds)', () => {
  test.each([
    ['public', 'https://login.microsoftonline.com', 'api://AzureADTokenExchange', 'https://sts.windows.net', 'https://graph.microsoft.com/.default'],
    ['usgov', 'https://login.microsoftonline.us', 'api://AzureADTokenExchangeUSGov', 'https://sts.windows.net', 'https://graph.microsoft.us/.default'],
    [
      'china',
      'https://login.partner.microsoftonline.cn',
      'api://AzureADTokenExchangeChina',
      'https://sts.chinacloudapi.cn',
      'https://microsoftgraph.chinacloudapi.cn/.default',
    ],
  ])('%s → authority host, federation audience, v1 issuer host, Graph scope', (name, host, audience, v1, graph) => {
    const cloud = resolveCloud(name);
    expect(cloud).toEqual({ name, authorityHost: host, federationAudience: audience, v1IssuerHost: v1, graphScope: graph });
  });

  test('local needs a loopback authority host and serves v1 issuers under /sts', () => {
    expect(resolveCloud('local', 'http://127.0.0.1:8400/')).toEqual({
      name: 'local',
      authorityHost: 'http://127.0.0.1:8400',
      v1IssuerHost: 'http://127.0.0.1:8400/sts',
      federationAudience: 'api://AzureADTokenExchange',
    });
    expect(() => resolveCloud('local')).toThrow('authorityHost: got nothing; expected the loopback URL of the Entra emulator');
    expect(() => resolveCloud('local', 'https://login.example.com')).toThrow('expected a loopback URL');
  });

  test.each([
    ['azure', undefined, 'cloud: got "azure"; expected one of public, usgov, china, local'],
    ['public', 'http://login.microsoftonline.com', 'expected an https:// URL (http:// only for loopback emulators)'],
    ['public', 'https://login.microsoftonline.com/tenant', 'expected a scheme and host only'],
    ['public', 'not a url', 'expected an absolute https:// URL'],
  ])('rejects cloud %s with authority host %s', (name, host, message) => {
    expect(() => resolveCloud(name, host)).toThrow(message);
  });

  test('errors carry a stable code and the key', () => {
    try {
      resolveCloud('mars');
      throw new Error('not reached');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).code).toBe('ERR_INVALID_INPUT');
      expect((error as InvalidInputError).key).toBe('cloud');
    }
  });
});

describe('tokenContract (protocols.md §2 table)', () => {
  const pub = resolveCloud('public');
  test.each([
    [
      2,
      {
        issuer: `https://login.microsoftonline.com/${TID}/v2.0`,
        audiences: [CLIENT],
        discoveryUrl: `https://login.microsoftonline.com/${TID}/v2.0/.well-known/openid-configuration`,
        jwksUri: `https://login.microsoftonline.com/${TID}/discovery/v2.0/keys`,
      },
    ],
    [
      1,
      {
        issuer: `https://sts.windows.net/${TID}/`,
        audiences: ['api://orders'],
        discoveryUrl: `https://login.microsoftonline.com/${TID}/.well-known/openid-configuration`,
        jwksUri: `https://login.microsoftonline.com/${TID}/discovery/keys`,
      },
    ],
  ] as const)('v%s', (tokenVersion, expected) => {
    const contract = tokenContract({ tenantId: TID, tokenVersion, cloud: pub, apiClientId: CLIENT, identifierUri: 'api://orders' });
    expect(contract).toEqual({
      tokenVersion,
      ...expected,
      tokenEndpoint: `https://login.microsoftonline.com/${TID}/oauth2/v2.0/token`,
      scope: 'api://orders/.default',
    });
  });

  test('China v1 issuer uses its own sts host; US Gov v2 issuer its authority host', () => {
    const china = tokenContract({ tenantId: TID, tokenVersion: 1, cloud: resolveCloud('china'), apiClientId: CLIENT, identifierUri: 'api://x' });
    expect(china.issuer).toBe(`https://sts.chinacloudapi.cn/${TID}/`);
    const gov = tokenContract({ tenantId: TID, tokenVersion: 2, cloud: resolveCloud('usgov'), apiClientId: CLIENT, identifierUri: 'api://x' });
    expect(gov.issuer).toBe(`https://login.microsoftonline.us/${TID}/v2.0`);
  });

  test('unresolved references pass through untouched (cdktf tokens)', () => {
    const contract = tokenContract({ tenantId: TID, tokenVersion: 2, cloud: pub, apiClientId: '${TfToken[TOKEN.7]}', identifierUri: '${TfToken[TOKEN.8]}' });
    expect(contract.audiences).toEqual(['${TfToken[TOKEN.7]}']);
    expect(contract.scope).toBe('${TfToken[TOKEN.8]}/.default');
  });

  test.each([
    [{ tenantId: 'contoso.onmicrosoft.com' }, 'tenantId: got "contoso.onmicrosoft.com"; expected the directory (tenant) id, a GUID'],
    [{ identifierUri: 'orders' }, 'identifierUri: got "orders"; expected an App ID URI'],
    [{ identifierUri: 'api://orders/' }, 'identifierUri: got "api://orders/"'],
    [{ tokenVersion: 3 }, 'tokenVersion: got 3; expected 1 or 2'],
  ])('rejects %j', (override, message) => {
    const input = { tenantId: TID, tokenVersion: 2 as const, cloud: pub, apiClientId: CLIENT, identifierUri: 'api://orders', ...override };
    expect(() => tokenContract(input as never)).toThrow(message);
  });
});

describe('GitHub issuer and subjects (protocols.md §4)', () => {
  test.each([
    [{ kind: 'github.com' }, 'https://token.actions.githubusercontent.com'],
    [{ kind: 'enterprise', enterpriseSlug: 'octo-corp' }, 'https://token.actions.githubusercontent.com/octo-corp'],
    [{ kind: 'ghes', host: 'github.example.com' }, 'https://github.example.com/_services/token'],
  ] as const)('issuer for %j', (source, issuer) => {
    expect(githubIssuer(source)).toBe(issuer);
  });

  test('rejects a GHES host with a scheme', () => {
    expect(() => githubIssuer({ kind: 'ghes', host: 'https://github.example.com' })).toThrow('github.host: got "https://github.example.com"');
  });

  const repo = { repository: 'octo-org/orders-api' };
  const immutable = { repository: 'octo-org/orders-api', immutableIds: { ownerId: 1234, repositoryId: '98765' } };
  test.each([
    [repo, { kind: 'branch', name: 'main' }, 'repo:octo-org/orders-api:ref:refs/heads/main'],
    [repo, { kind: 'branch', name: 'release/1.x' }, 'repo:octo-org/orders-api:ref:refs/heads/release/1.x'],
    [repo, { kind: 'tag', name: 'v1.2.0' }, 'repo:octo-org/orders-api:ref:refs/tags/v1.2.0'],
    [repo, { kind: 'environment', name: 'production' }, 'repo:octo-org/orders-api:environment:production'],
    [repo, { kind: 'environment', name: 'prod:eu' }, 'repo:octo-org/orders-api:environment:prod%3Aeu'],
    [repo, { kind: 'pull_request' }, 'repo:octo-org/orders-api:pull_request'],
    [immutable, { kind: 'branch', name: 'main' }, 'repo:octo-org@1234/orders-api@98765:ref:refs/heads/main'],
    [immutable, { kind: 'pull_request' }, 'repo:octo-org@1234/orders-api@98765:pull_request'],
  ] as const)('subject %#: %s', (r, scope, subject) => {
    expect(githubSubject(r, scope)).toBe(subject);
    expect(checkGithubSubject(subject)).toBe(subject);
  });

  test.each([
    ['branch:main', { kind: 'branch', name: 'main' }],
    ['tag:v1', { kind: 'tag', name: 'v1' }],
    ['environment:prod', { kind: 'environment', name: 'prod' }],
    ['pull_request', { kind: 'pull_request' }],
    ['pull-request', { kind: 'pull_request' }],
  ])('parses the short form %s', (text, scope) => {
    expect(parseSubjectScope(text)).toEqual(scope);
  });

  test.each([
    [() => parseSubjectScope('main'), 'subjects: got "main"; expected branch:<name>'],
    [() => githubSubject({ repository: 'orders-api' }, { kind: 'pull_request' }), 'repository: got "orders-api"; expected owner/repo'],
    [
      () => githubSubject({ repository: 'o/r', immutableIds: { ownerId: 'abc', repositoryId: 1 } }, { kind: 'pull_request' }),
      'immutableIds.ownerId: got "abc"',
    ],
    [() => githubSubject(repo, { kind: 'branch', name: 'a b' }), 'branch: got "a b"'],
    [() => checkGithubSubject('repo:octo-org/orders-api:ref:main'), 'subjects: got "repo:octo-org/orders-api:ref:main"'],
  ])('rejects bad subject input %#', (fn, message) => {
    expect(fn).toThrow(message);
  });
});

describe('stableUuid', () => {
  test('is a v5 UUID that depends on the names only', () => {
    const id = stableUuid('orders-api', 'role', 'Gate.Invoke');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableUuid('orders-api', 'role', 'Gate.Invoke')).toBe(id);
    expect(stableUuid('orders-api', 'role', 'Gate.Read')).not.toBe(id);
    expect(stableUuid('orders-api', 'roleGate.Invoke')).not.toBe(stableUuid('orders-api', 'role', 'Gate.Invoke'));
  });
});

describe('probing a route (the gate derives its probes from the deployed routes)', () => {
  const random = () => 'r4nd0m';
  test.each([
    ['GET /hello', [['GET', '/hello']]],
    [
      'ANY /{proxy+}',
      [
        ['GET', '/r4nd0m'],
        ['POST', '/r4nd0m'],
        ['DELETE', '/r4nd0m'],
      ],
    ],
    ['POST /orders/{id}/items/{item}', [['POST', '/orders/entra-api-guard-probe/items/entra-api-guard-probe']]],
    [
      'ANY /files/{path+}',
      [
        ['GET', '/files/r4nd0m'],
        ['POST', '/files/r4nd0m'],
        ['DELETE', '/files/r4nd0m'],
      ],
    ],
    ['$default', [['GET', '/r4nd0m']]],
    ['GET /', [['GET', '/']]],
  ])('%s → concrete requests (ANY → GET, POST and DELETE)', (routeKey, expected) => {
    expect(probesForRoute(routeKey, random)).toEqual(expected.map(([method, path]) => ({ routeKey, method, path })));
  });

  test('a key of no known form is a TypeError naming it', () => {
    expect(() => probesForRoute('hello', random)).toThrow(/^routeKey: got "hello"/);
  });
});

describe('API URLs and expectations (one rule for the CLI, the action and the gate)', () => {
  const rules = { allowInsecureHttp: false, insecureSwitch: '--allow-insecure-http' };
  test('https anywhere, http only to loopback unless allowed (then flagged as cleartext)', () => {
    expect(parseApiUrl('--api-url', 'https://abc.execute-api.eu-west-1.amazonaws.com/', rules)).toEqual({
      url: 'https://abc.execute-api.eu-west-1.amazonaws.com',
      cleartext: false,
    });
    for (const loopback of ['http://127.0.0.1:8080', 'http://localhost:3000/prod', 'http://[::1]:9'])
      expect(parseApiUrl('--api-url', loopback, rules).cleartext).toBe(false);
    expect(() => parseApiUrl('--api-url', 'http://api.example.com', rules)).toThrow(
      /^--api-url: got "http:\/\/api\.example\.com"; expected an https:\/\/ URL: .*--allow-insecure-http/,
    );
    expect(parseApiUrl('--api-url', 'http://api.example.com', { ...rules, allowInsecureHttp: true })).toEqual({
      url: 'http://api.example.com',
      cleartext: true,
    });
  });

  test('credentials in a URL are refused and never shown, however the URL is broken', () => {
    for (const raw of [
      'https://user:CANARY-PW@api.example.com',
      'https://CANARY-PW@api.example.com/x',
      'https://u:CANARY-PW@api.example.com?q=1',
      'https://u:CANARY PW@api.example.com',
    ]) {
      let message = '';
      try {
        parseApiUrl('--api-url', raw, rules);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^--api-url: got "https:\/\/\*\*\*@api\.example\.com/);
      expect(message).not.toContain('CANARY');
    }
  });

  test('expectations that would let a broken API pass are refused, saying why', () => {
    expect(unsafeExpectation('unauthenticated', [401, 403])).toBeUndefined();
    expect(unsafeExpectation('unauthenticated', [401, 204])).toMatch(/204 would let an API that answers anyone pass/);
    expect(unsafeExpectation('unauthenticated', [307])).toMatch(/307/);
    expect(unsafeExpectation('authenticated', [200, 201])).toBeUndefined();
    expect(unsafeExpectation('authenticated', [200, 401, 403])).toMatch(/401, 403 would let an API that refuses the valid token pass/);
    expect(() => parseExpectUnauthenticated('expect-unauthenticated', '200')).toThrow(/^expect-unauthenticated: got "200"; expected refusal statuses only/);
    expect(parseExpectAuthenticated('expect-authenticated', '')).toEqual([200]);
  });
});
