/**
 * `audit` of 100 HTTP APIs with 10 routes each in moto_server (issue [2]): the fleet read through the
 * control plane (bounded concurrency, adaptive back-off, the retry helper) plus every audit rule, against
 * the bare SDK calls that read the same things (GetApis, then per API GetRoutes, GetAuthorizer per
 * authorizer and GetStage) with the same number of calls in flight, interleaved in the same run.
 * Both run in this process: the CLI's start-up is not part of either.
 * Run: npx ts-node --transpile-only bench/audit-fleet.ts   → bench/results/audit-fleet.json
 */
import {
  ApiGatewayV2Client,
  GetApisCommand,
  GetAuthorizerCommand,
  GetRoutesCommand,
  GetStageCommand,
  type Api,
  type Route,
} from '@aws-sdk/client-apigatewayv2';
import { auditedApi, buildAuditReport } from '../src/gate/audit/fleet-report';
import { ControlPlane, readFleet } from '../src/gate/control-plane';
import { startMoto } from '../src/local/moto';
import { CREDENTIALS, REGION, createApi } from '../test/gate/helpers/control-plane';
import { writeResults } from './harness';

const APIS = 100;
const ROUTES = 10;
const CONCURRENCY = 8;
const RUNS = 5;
const TARGET_RATIO = 1.3;
const ISSUER = 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0';

/** At most `size` promises from `fn` pending at once. */
function pool(size: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    if (active >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** The bare SDK calls: what an audit has to read, and nothing else. */
async function bare(endpoint: string): Promise<number> {
  const client = new ApiGatewayV2Client({ region: REGION, endpoint, credentials: CREDENTIALS });
  const limit = pool(CONCURRENCY);
  try {
    const apis: Api[] = [];
    let token: string | undefined;
    do {
      const page = await limit(() => client.send(new GetApisCommand({ ...(token ? { NextToken: token } : {}) })));
      apis.push(...(page.Items ?? []));
      token = page.NextToken;
    } while (token);
    const read = await Promise.all(
      apis.map(async (api) => {
        const routes = async (): Promise<unknown[]> => {
          const items: Route[] = [];
          let next: string | undefined;
          do {
            const page = await limit(() => client.send(new GetRoutesCommand({ ApiId: api.ApiId, ...(next ? { NextToken: next } : {}) })));
            items.push(...(page.Items ?? []));
            next = page.NextToken;
          } while (next);
          const ids = [...new Set(items.map((r) => r.AuthorizerId).filter((id): id is string => id !== undefined))];
          return Promise.all(ids.map((id) => limit(() => client.send(new GetAuthorizerCommand({ ApiId: api.ApiId, AuthorizerId: id })))));
        };
        return Promise.all([routes(), limit(() => client.send(new GetStageCommand({ ApiId: api.ApiId, StageName: '$default' })))]);
      }),
    );
    return read.length;
  } finally {
    client.destroy();
  }
}

/** What `entra-api-guard audit` does after reading its flags. */
async function ours(endpoint: string): Promise<number> {
  const started = Date.now();
  const plane = new ControlPlane({ region: REGION, endpoint, credentials: CREDENTIALS, concurrency: CONCURRENCY });
  try {
    const entries = await readFleet(plane);
    const settings = { publicRoutes: ['GET /health'], reference: { issuer: ISSUER, audiences: ['client-id'] } };
    const apis = entries.map((e) => ('api' in e ? auditedApi(e.api, settings) : { apiId: e.apiId, routes: [], findings: [], error: e.error }));
    const report = buildAuditReport(apis, { startedAt: started, ms: Date.now() - started, region: REGION, throttled: plane.throttled });
    if (report.summary.unreadable > 0) throw new Error(`${report.summary.unreadable} APIs could not be read`);
    return report.apis.length;
  } finally {
    plane.close();
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (n: number): number => Math.round(n * 10) / 10;

async function main(): Promise<void> {
  const moto = await startMoto();
  try {
    const setupStarted = Date.now();
    const limit = pool(CONCURRENCY);
    const routes = [
      ...Array.from({ length: ROUTES - 2 }, (_, i) => ({ routeKey: `GET /r${i}/{id}`, auth: 'entra' })),
      { routeKey: 'ANY /{proxy+}', auth: 'entra' },
      { routeKey: 'GET /health' },
    ];
    await Promise.all(
      Array.from({ length: APIS }, (_, i) =>
        limit(() => createApi(moto.url, { name: `fleet-${i}`, authorizers: { entra: { issuer: ISSUER, audiences: ['client-id'] } }, routes })),
      ),
    );
    const setupMs = Date.now() - setupStarted;
    // Warm-up: both paths once (connections, SDK middleware, moto's caches).
    if ((await bare(moto.url)) !== APIS || (await ours(moto.url)) !== APIS) throw new Error('warm-up did not read every API');
    const oursMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      await bare(moto.url);
      bareMs.push(performance.now() - t);
      t = performance.now();
      await ours(moto.url);
      oursMs.push(performance.now() - t);
    }
    const ratio = median(oursMs) / median(bareMs);
    const result = {
      bench: 'audit-fleet',
      description: `audit of ${APIS} HTTP APIs × ${ROUTES} routes in moto_server (control plane + every audit rule, ${CONCURRENCY} calls in flight) against the bare SDK calls that read the same things with ${CONCURRENCY} in flight; interleaved, same run`,
      node: process.version,
      runs: RUNS,
      apis: APIS,
      routesPerApi: ROUTES,
      setupMs,
      medianMs: round(median(oursMs)),
      minMs: round(Math.min(...oursMs)),
      maxMs: round(Math.max(...oursMs)),
      baseline: {
        name: 'bare SDK calls (same reads, same concurrency)',
        medianMs: round(median(bareMs)),
        minMs: round(Math.min(...bareMs)),
        maxMs: round(Math.max(...bareMs)),
      },
      ratio: Math.round(ratio * 100) / 100,
      targetRatio: TARGET_RATIO,
      withinTarget: ratio <= TARGET_RATIO,
    };
    writeResults('audit-fleet.json', result);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await moto.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
