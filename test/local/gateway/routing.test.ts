/** Route selection like API Gateway HTTP APIs, pure and through real HTTP. */
import { matchRoute, parseRouteForMatching } from '../../../src/local/gateway';
import { call, closeAll, gateway } from './helpers/gateway';

afterEach(closeAll);

const routes = [
  'GET /pets/dog/1',
  'GET /pets/dog/{id}',
  'GET /pets/{proxy+}',
  'ANY /pets/dog/{id}',
  'ANY /{proxy+}',
  'POST /items/{id}',
  'GET /items/{id}/tags/{tag}',
  '$default',
].map((routeKey) => ({ routeKey, parsed: parseRouteForMatching(routeKey) }));
const pick = (method: string, path: string) => matchRoute(routes, method, path);

describe('route matching precedence', () => {
  test('an exact literal path beats a {param} path', () => {
    expect(pick('GET', '/pets/dog/1')?.route.routeKey).toBe('GET /pets/dog/1');
  });

  test('{param} matches exactly one segment and beats a greedy {proxy+}', () => {
    expect(pick('GET', '/pets/dog/2')).toMatchObject({ route: { routeKey: 'GET /pets/dog/{id}' }, pathParameters: { id: '2' } });
    expect(pick('GET', '/pets/dog/2/3')).toMatchObject({ route: { routeKey: 'GET /pets/{proxy+}' }, pathParameters: { proxy: 'dog/2/3' } });
  });

  test('an exact method beats ANY on the same path', () => {
    expect(pick('GET', '/pets/dog/7')?.route.routeKey).toBe('GET /pets/dog/{id}');
    expect(pick('DELETE', '/pets/dog/7')?.route.routeKey).toBe('ANY /pets/dog/{id}');
  });

  test('a longer greedy prefix beats a shorter one', () => {
    expect(pick('GET', '/pets/cat/1')?.route.routeKey).toBe('GET /pets/{proxy+}');
    expect(pick('POST', '/pets/cat/1')?.route.routeKey).toBe('ANY /{proxy+}');
  });

  test('path parameters are extracted and URL-decoded', () => {
    expect(pick('GET', '/items/a%20b/tags/x')?.pathParameters).toEqual({ id: 'a b', tag: 'x' });
  });

  test('$default catches what nothing else matches, e.g. the root path', () => {
    expect(pick('GET', '/')?.route.routeKey).toBe('$default');
  });

  test('no route and no $default → undefined (the gateway answers 404)', () => {
    expect(
      matchRoute(
        routes.filter((r) => !r.parsed.isDefault && r.routeKey !== 'ANY /{proxy+}'),
        'PUT',
        '/nothing',
      ),
    ).toBeUndefined();
  });

  test('a malformed route key is a TypeError naming the key', () => {
    expect(() => parseRouteForMatching('GET hello')).toThrow('routeKey: got "GET hello"');
    expect(() => parseRouteForMatching('FETCH /x')).toThrow(TypeError);
    expect(() => parseRouteForMatching('GET /{proxy+}/x')).toThrow(/greedy/);
  });
});

describe('route matching through HTTP', () => {
  test('the routes above answer through the emulator; no match and no $default → 404 {"message":"Not Found"}', async () => {
    const gw = await gateway({
      definition: { authorizers: [], routes: [{ routeKey: 'GET /pets/{id}' }, { routeKey: 'ANY /pets/{id}' }, { routeKey: 'GET /pets/{proxy+}' }] },
    });
    expect((await call(`${gw.url}/pets/7`)).body).toMatchObject({ routeKey: 'GET /pets/{id}', pathParameters: { id: '7' } });
    expect((await call(`${gw.url}/pets/7`, { method: 'PUT' })).body).toMatchObject({ routeKey: 'ANY /pets/{id}' });
    expect((await call(`${gw.url}/pets/7/toys`)).body).toMatchObject({ routeKey: 'GET /pets/{proxy+}', pathParameters: { proxy: '7/toys' } });
    const missing = await call(`${gw.url}/owners`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ message: 'Not Found' });
  });

  test('$default answers unmatched requests when present', async () => {
    const gw = await gateway({ definition: { authorizers: [], routes: [{ routeKey: 'GET /pets' }, { routeKey: '$default' }] } });
    expect((await call(`${gw.url}/anything/else`, { method: 'POST' })).body).toMatchObject({ routeKey: '$default' });
  });

  test('AWS_IAM routes answer 403 and CUSTOM routes 401 (not emulated)', async () => {
    const gw = await gateway({
      definition: {
        authorizers: [],
        routes: [
          { routeKey: 'GET /iam', authorizationType: 'AWS_IAM' },
          { routeKey: 'GET /custom', authorizationType: 'CUSTOM' },
        ],
      },
    });
    expect(await call(`${gw.url}/iam`)).toMatchObject({ status: 403, body: { message: 'Forbidden' } });
    expect(await call(`${gw.url}/custom`)).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
    expect(gw.accessLog.map((line) => JSON.parse(line).authorizerError)).toEqual([
      'AWS_IAM authorization is not emulated',
      'CUSTOM (Lambda) authorizers are not emulated',
    ]);
  });

  test('a JWT route naming an unknown authorizer fails at start with one line', async () => {
    await expect(
      gateway({ definition: { authorizers: [], routes: [{ routeKey: 'GET /x', authorizationType: 'JWT', authorizerId: 'nope' }] } }),
    ).rejects.toMatchObject({
      code: 'ERR_GATEWAY_DEFINITION',
      message: 'route "GET /x" authorizerId: got "nope"; expected one of []',
    });
  });
});
