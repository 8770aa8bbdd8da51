// Route derivation (issue [2] item 2): pure, checked with the gateway emulator's own route selection.
import { deriveRouteTargets, stageUrl, toProbeTargets, type DeployedApi, type DeployedRoute } from '../../src/gate';

const ENTRA = { id: 'a1', name: 'entra', issuer: 'https://login.microsoftonline.com/t/v2.0', audiences: ['client-id'] };
const OTHER = { id: 'a2', name: 'partner', issuer: 'https://partner.example.com', audiences: ['client-id'] };

function api(routes: (DeployedRoute | string)[], authorizers = [ENTRA, OTHER]): Pick<DeployedApi, 'routes' | 'authorizers'> {
  return { authorizers, routes: routes.map((r) => (typeof r === 'string' ? { routeKey: r, authorizationType: 'JWT' as const, authorizerId: 'a1' } : r)) };
}

function derive(routes: (DeployedRoute | string)[], options: { publicRoutes?: string[]; allowAuthorizers?: string[] } = {}) {
  let n = 0;
  return deriveRouteTargets(api(routes), { ...options, randomSegment: () => `r${++n}` });
}

const requests = (targets: ReturnType<typeof derive>) => Object.fromEntries(targets.map((t) => [t.routeKey, t.requests.map((r) => `${r.method} ${r.path}`)]));

describe('deriveRouteTargets', () => {
  test('each route gets requests that reach exactly it: {param} harmless, {proxy+} random, ANY → GET, POST, DELETE', () => {
    expect(requests(derive(['GET /orders/{id}', 'ANY /files/{path+}', 'GET /']))).toEqual({
      'GET /': ['GET /'],
      'GET /orders/{id}': ['GET /orders/entra-api-guard-probe'],
      'ANY /files/{path+}': ['GET /files/r1', 'POST /files/r1', 'DELETE /files/r1'],
    });
  });

  test('ANY leaves the methods a more specific route answers to that route; all taken → PUT', () => {
    expect(requests(derive(['ANY /orders', 'POST /orders']))['ANY /orders']).toEqual(['GET /orders', 'DELETE /orders']);
    expect(requests(derive(['ANY /orders', 'GET /orders', 'POST /orders', 'DELETE /orders']))['ANY /orders']).toEqual(['PUT /orders']);
  });

  test('a greedy route one segment deep taken by a {param} sibling goes two segments deep', () => {
    expect(requests(derive(['ANY /{proxy+}', 'ANY /{id}']))['ANY /{proxy+}']).toEqual(['GET /r1/r2', 'POST /r1/r3', 'DELETE /r1/r4']);
  });

  test('a param value that is a literal sibling becomes a random value', () => {
    expect(requests(derive(['GET /reports/{id}', 'GET /reports/entra-api-guard-probe']))['GET /reports/{id}']).toEqual(['GET /reports/r1']);
  });

  test('$default: a path no other route matches; `/` beside a root {proxy+}; unreachable beside ANY /{proxy+} and ANY /', () => {
    expect(requests(derive(['GET /orders', '$default']))['$default']).toEqual(['GET /r1/r2']);
    expect(requests(derive(['ANY /{proxy+}', '$default']))['$default']).toEqual(['GET /']);
    const unreachable = derive(['ANY /{proxy+}', 'ANY /', '$default']).find((t) => t.routeKey === '$default');
    expect(unreachable).toMatchObject({ requests: [], unreachable: 'every request matches another route first' });
  });

  test('authorization, authorizer names, public and declared authorizers are carried', () => {
    const targets = derive(
      [
        { routeKey: 'GET /health', authorizationType: 'NONE' },
        { routeKey: 'GET /internal', authorizationType: 'AWS_IAM' },
        { routeKey: 'GET /partner', authorizationType: 'JWT', authorizerId: 'a2' },
      ],
      { publicRoutes: ['GET /health'], allowAuthorizers: ['partner'] },
    );
    expect(targets.map((t) => [t.routeKey, t.authorization, t.authorizer, t.public, t.declaredAuthorizer ?? false])).toEqual([
      ['GET /health', 'NONE', undefined, true, false],
      ['GET /internal', 'AWS_IAM', 'AWS_IAM', false, false],
      ['GET /partner', 'JWT', 'partner', false, true],
    ]);
  });
});

describe('toProbeTargets', () => {
  test('token probes go to one route per authorizer: no scopes first, then literal paths, then GET', () => {
    const targets = toProbeTargets(
      derive([
        'ANY /{proxy+}',
        { routeKey: 'GET /scoped', authorizationType: 'JWT', authorizerId: 'a1', authorizationScopes: ['orders.read'] },
        'POST /orders',
        'GET /orders/{id}',
        'GET /orders',
        { routeKey: 'POST /partner', authorizationType: 'JWT', authorizerId: 'a2' },
      ]),
    );
    expect(targets.filter((t) => t.authenticated).map((t) => `${t.method} ${t.path}`)).toEqual(['GET /orders', 'POST /partner']);
  });

  test('AWS_IAM and CUSTOM routes also count 403 as a refusal; public routes accept any answer but a 5xx', () => {
    const targets = toProbeTargets(
      derive(
        [
          { routeKey: 'GET /iam', authorizationType: 'AWS_IAM' },
          { routeKey: 'GET /health', authorizationType: 'NONE' },
        ],
        { publicRoutes: ['GET /health'] },
      ),
    );
    expect(targets.map((t) => [t.path, t.access, t.alsoRefusedWith])).toEqual([
      ['/health', 'public', undefined],
      ['/iam', 'protected', [403]],
    ]);
  });

  test('extra paths are probed as the route that answers them; unknown ones as protected', () => {
    const targets = toProbeTargets(derive(['GET /orders/{id}', { routeKey: 'GET /health', authorizationType: 'NONE' }], { publicRoutes: ['GET /health'] }), {
      paths: ['/orders/42', '/health', '/nowhere', '/orders/entra-api-guard-probe'],
    });
    expect(targets.slice(2).map((t) => [t.path, t.routeKey, t.access])).toEqual([
      ['/orders/42', 'GET /orders/{id}', 'protected'],
      ['/nowhere', undefined, 'protected'],
    ]);
  });

  test('a declared authorizer keeps its forgery probes but not the valid-token probe', () => {
    const [target] = toProbeTargets(derive([{ routeKey: 'GET /partner', authorizationType: 'JWT', authorizerId: 'a2' }], { allowAuthorizers: ['a2'] }));
    expect(target).toMatchObject({ authenticated: true, withoutValidToken: expect.stringContaining('declared with --allow-authorizer') });
  });
});

describe('stageUrl', () => {
  test('the API endpoint for $default, plus the stage name otherwise', () => {
    expect(stageUrl({ endpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com', stage: { name: '$default' } })).toBe(
      'https://abc.execute-api.eu-west-1.amazonaws.com',
    );
    expect(stageUrl({ endpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com/', stage: { name: 'prod' } })).toBe(
      'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
    );
    expect(stageUrl({ stage: { name: 'prod' } })).toBeUndefined();
  });
});
