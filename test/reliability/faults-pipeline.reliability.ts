import { startEntra, type EntraEmulator } from '../../src/local/entra';
import { startGateway, type GatewayEmulator } from '../../src/local/gateway';
import { startGithubOidc, type GithubOidcEmulator } from '../../src/local/github';
import { errorLines, runAction } from '../action/harness';
import { CALLER, ORDERS_API, TENANT, directoryFor, entraExchangeFlags } from '../local/idp/helpers';
import { firstRequests, startFaultProxy, type FaultProxy, type ProxiedRequest, type ProxyAction } from './support/fault-proxy';
import { msSince, recordFigure } from './support/figures';
import { idTokenFrom, runCli } from './support/runs';

/**
 * The same faults through the two products a user runs, with their default retry policies and
 * real time: `entra-api-guard verify` (main()) and the committed action bundle. Entra answers 503
 * once, and the API's first requests are reset or answered 503; both must still pass, saying what
 * they retried.
 */

let github: GithubOidcEmulator;
let entra: EntraEmulator;
let gateway: GatewayEmulator;
const proxies: FaultProxy[] = [];
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  github = await startGithubOidc();
  entra = await startEntra({ directory: directoryFor(github.issuer) });
  gateway = await startGateway({
    definition: {
      authorizers: [{ id: 'entra', issuer: entra.issuers(TENANT).v2, audiences: [ORDERS_API.clientId] }],
      routes: [{ routeKey: 'GET /orders', authorizationType: 'JWT', authorizerId: 'entra' }],
    },
  });
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all([github?.close(), entra?.close(), gateway?.close()]);
  const seconds = (key: string): string => `${(((figures[key] as { ms?: number } | undefined)?.ms ?? 0) / 1000).toFixed(1)} s`;
  recordFigure(
    'faults-pipeline',
    figures,
    `pipeline faults (default policies, real time), each through 1 Entra 503 + 3 resets + 4 API 503s: CLI verify PASS in ${seconds('cli')}, action PASS in ${seconds('action')}`,
  );
});

/** Resets the first 3 API connections, then answers 503 to the next 4, then forwards. */
function flakyApi(): (request: ProxiedRequest) => ProxyAction {
  const resets = firstRequests(3, { kind: 'reset' });
  const unavailable = firstRequests(4, { kind: 'status', status: 503 });
  return (request) => (request.index <= 3 ? resets(request) : unavailable(request));
}

async function flakyProxy(): Promise<FaultProxy> {
  const proxy = await startFaultProxy({ upstream: gateway.url, decide: flakyApi() });
  proxies.push(proxy);
  return proxy;
}

test('CLI verify: Entra 503 once, API resets and 503s: exit 0, PASS, the retry on stderr', async () => {
  const proxy = await flakyProxy();
  entra.setFaults({ failNextTokenRequests: { count: 1, status: 503 } });
  const started = performance.now();
  const { code, stdout, stderr } = await runCli(
    ['verify', '--api-url', proxy.url, '--path', '/orders', ...entraExchangeFlags(entra.url), '--timeout-seconds', '15'],
    {},
    { getIDToken: idTokenFrom(github) },
  );
  const ms = msSince(started);
  expect({ code, first: stdout.split('\n')[0] }).toEqual({
    code: 0,
    first: expect.stringMatching(new RegExp(`^entra-api-guard verify: PASS ${proxy.url} \\(\\d+ probes, `)),
  });
  expect(stderr).toMatch(/^token exchange: attempt 1\/6 failed: token exchange failed \(AADSTS90033\): .*; retrying in \d+ ms$/m);
  expect(proxy.counts.faults).toBe(7);
  figures['cli'] = { ms, apiFaults: proxy.counts.faults, entraFaults: 1 };
}, 30_000);

test('action bundle verify: Entra 503 once, API resets and 503s: exit 0, verdict pass, the retry in the log', async () => {
  const proxy = await flakyProxy();
  entra.setFaults({ failNextTokenRequests: { count: 1, status: 503 } });
  const started = performance.now();
  const run = await runAction(
    {
      command: 'verify',
      'api-url': proxy.url,
      paths: '/orders',
      'caller-client-id': CALLER.clientId,
      'tenant-id': TENANT,
      scope: `${ORDERS_API.uri}/.default`,
      cloud: 'local',
      'authority-host': entra.url,
      'timeout-seconds': '15',
    },
    { env: { ACTIONS_ID_TOKEN_REQUEST_URL: github.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken } },
  );
  const ms = msSince(started);
  expect({ code: run.code, errors: errorLines(run.stdout), verdict: run.outputs['verdict'] }).toEqual({ code: 0, errors: [], verdict: 'pass' });
  expect(run.stdout).toMatch(/^token exchange: attempt 1\/6 failed: token exchange failed \(AADSTS90033\): .*; retrying in \d+ ms$/m);
  expect(proxy.counts.faults).toBe(7);
  figures['action'] = { ms, apiFaults: proxy.counts.faults, entraFaults: 1 };
}, 30_000);
