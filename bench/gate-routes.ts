/**
 * The gate over an API with 50 routes on loopback (issue [2]): route derivation, the audit and every
 * probe (each route anonymously with its own methods, the valid token and every attack on the first
 * protected route) through the gateway emulator, with the gate's default timings. Baseline, in the same
 * run and interleaved: the same gate over a one-route API. The token is given (no exchange), so this
 * measures the gate alone. The emulator has no throttling, so the stage pacing plays no part here.
 * Run: npx ts-node --transpile-only bench/gate-routes.ts   → bench/results/gate-routes.json
 */
import { attackerKeys, runGatePipeline, type DeployedApi } from '../src/gate';
import { startGateway } from '../src/local/gateway';
import type { GatewayDefinition } from '../src/local/gateway';
import { createTestIssuer } from '../test/gate/helpers/issuer';
import { writeResults } from './harness';

const RUNS = 7;
const TARGET_MS = 1500;

/** 50 routes: 20 `GET /r{i}/{id}`, 15 `ANY /s{i}/{proxy+}`, 14 `POST /p{i}`, one public `GET /health`. */
function fiftyRoutes(): GatewayDefinition['routes'] {
  const jwt = { authorizationType: 'JWT' as const, authorizerId: 'entra' };
  return [
    ...Array.from({ length: 20 }, (_, i) => ({ routeKey: `GET /r${i}/{id}`, ...jwt })),
    ...Array.from({ length: 15 }, (_, i) => ({ routeKey: `ANY /s${i}/{proxy+}`, ...jwt })),
    ...Array.from({ length: 14 }, (_, i) => ({ routeKey: `POST /p${i}`, ...jwt })),
    { routeKey: 'GET /health' },
  ];
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (n: number): number => Math.round(n * 10) / 10;

async function main(): Promise<void> {
  const issuer = await createTestIssuer();
  const authorizers = [{ id: 'entra', name: 'entra', issuer: issuer.issuer, audiences: [issuer.audience] }];
  const many: GatewayDefinition = { apiId: 'fifty', authorizers, routes: fiftyRoutes() };
  const one: GatewayDefinition = { apiId: 'one', authorizers, routes: [{ routeKey: 'GET /orders', authorizationType: 'JWT', authorizerId: 'entra' }] };
  const [manyApi, oneApi] = await Promise.all([startGateway({ definition: many }), startGateway({ definition: one })]);
  const token = await issuer.sign();
  await attackerKeys();
  const once = async (definition: GatewayDefinition, url: string): Promise<{ ms: number; probes: number; pass: boolean }> => {
    const started = performance.now();
    const { report } = await runGatePipeline({
      apiUrl: url,
      deployed: definition as DeployedApi,
      stageRead: false,
      publicRoutes: ['GET /health'],
      source: { kind: 'given', token },
      expectedIssuer: issuer.issuer,
      expectedAudiences: [issuer.audience],
    });
    return { ms: performance.now() - started, probes: report.probes.length, pass: report.pass };
  };
  try {
    for (const [definition, api] of [
      [many, manyApi],
      [one, oneApi],
    ] as const) {
      const warm = await once(definition, api.url);
      if (!warm.pass) throw new Error(`warm-up gate over ${definition.apiId} did not pass`);
    }
    const fifty: Awaited<ReturnType<typeof once>>[] = [];
    const single: Awaited<ReturnType<typeof once>>[] = [];
    for (let i = 0; i < RUNS; i++) {
      single.push(await once(one, oneApi.url));
      fifty.push(await once(many, manyApi.url));
    }
    const sorted = fifty.map((r) => r.ms).sort((a, b) => a - b);
    const result = {
      bench: 'gate-routes',
      description:
        'runGatePipeline over a 50-route API on the loopback gateway emulator (derivation, audit, every probe, every attack; token given); baseline: the same gate over a one-route API, interleaved in the same run',
      node: process.version,
      runs: RUNS,
      routes: many.routes.length,
      probes: fifty[0]!.probes,
      medianMs: round(median(fifty.map((r) => r.ms))),
      minMs: round(sorted[0]!),
      maxMs: round(sorted[sorted.length - 1]!),
      baseline: { name: 'the same gate over one route', probes: single[0]!.probes, medianMs: round(median(single.map((r) => r.ms))) },
      targetMs: TARGET_MS,
      withinTarget: median(fifty.map((r) => r.ms)) <= TARGET_MS,
      allPassed: [...fifty, ...single].every((r) => r.pass),
    };
    writeResults('gate-routes.json', result);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await Promise.all([manyApi.close(), oneApi.close()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
