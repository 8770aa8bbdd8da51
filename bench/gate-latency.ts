/**
 * Gate latency: one token exchange plus every probe against loopback servers, with the gate's default
 * timings, for the full gate (every attack in the registry, the issuer's JWKS fetched from its loopback
 * discovery document) and, as the baseline in the same run, the 12-probe gate from before the registry
 * (anonymous, valid token, the 9 classic refusal probes and the wrong-audience token). Runs alternate.
 * Run: npx ts-node --transpile-only bench/gate-latency.ts   → bench/results/gate-latency.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLASSIC_ATTACKS, attackerKeys, verifyApiGate, type AttackCode } from '../src/gate';
import { exchangeForAccessToken } from '../src/token';
import { createTestIssuer, type TestIssuer } from '../test/gate/helpers/issuer';
import { startTestApi } from '../test/gate/helpers/test-api';
import { startFakeTokenEndpoint } from '../test/token/helpers/fake-token-endpoint';

const RUNS = 7;
const TARGET_MS = 400;
const BASELINE_TARGET_MS = 150;

interface Once {
  totalMs: number;
  exchangeMs: number;
  probes: number;
  pass: boolean;
}

async function once(tokenEndpoint: string, apiUrl: string, assertion: string, issuer: TestIssuer, attacks?: readonly AttackCode[]): Promise<Once> {
  const started = performance.now();
  const { accessToken } = await exchangeForAccessToken({
    tokenEndpoint,
    clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    scope: 'api://orders-api/.default',
    assertion,
  });
  const exchangeMs = performance.now() - started;
  const run = await verifyApiGate({
    apiUrl,
    paths: ['/orders'],
    token: accessToken,
    mintOtherAudienceToken: () => issuer.sign({ aud: 'api://orders-api-decoy' }),
    ...(attacks ? { attacks } : {}),
  });
  return { totalMs: performance.now() - started, exchangeMs, probes: run.results.length, pass: run.verdict.pass };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (n: number): number => Math.round(n * 10) / 10;

async function main(): Promise<void> {
  const entraIssuer = await createTestIssuer();
  const github = await createTestIssuer({ issuer: 'https://token.actions.githubusercontent.com', audience: 'api://AzureADTokenExchange' });
  const assertion = await github.sign({ sub: 'repo:octo-org/orders-api:ref:refs/heads/main' });
  const entra = await startFakeTokenEndpoint([{ token: () => entraIssuer.sign() }]);
  const api = await startTestApi({ issuer: entraIssuer });
  try {
    // The attacker key is made once per process (the action and CLI start it while the token is fetched).
    await attackerKeys();
    for (const attacks of [undefined, CLASSIC_ATTACKS]) {
      const warmUp = await once(entra.tokenEndpoint, api.url, assertion, entraIssuer, attacks);
      if (!warmUp.pass) throw new Error('warm-up gate run did not pass');
    }
    const full: Once[] = [];
    const classic: Once[] = [];
    for (let i = 0; i < RUNS; i++) {
      full.push(await once(entra.tokenEndpoint, api.url, assertion, entraIssuer));
      classic.push(await once(entra.tokenEndpoint, api.url, assertion, entraIssuer, CLASSIC_ATTACKS));
    }
    const sorted = full.map((r) => r.totalMs).sort((a, b) => a - b);
    const result = {
      bench: 'gate-latency',
      description:
        'token exchange + all gate probes (stableCount 2, confirmDelayMs 50, concurrency 16) against loopback servers; baseline: the 12-probe gate (classic attacks only), same run',
      node: process.version,
      runs: RUNS,
      probes: full[0]!.probes,
      medianMs: round(median(full.map((r) => r.totalMs))),
      minMs: round(sorted[0]!),
      maxMs: round(sorted[sorted.length - 1]!),
      medianExchangeMs: round(median(full.map((r) => r.exchangeMs))),
      baseline: {
        name: '12-probe gate (classic attacks)',
        probes: classic[0]!.probes,
        medianMs: round(median(classic.map((r) => r.totalMs))),
        targetMs: BASELINE_TARGET_MS,
      },
      targetMs: TARGET_MS,
      withinTarget: median(full.map((r) => r.totalMs)) <= TARGET_MS,
      allPassed: [...full, ...classic].every((r) => r.pass),
    };
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'gate-latency.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await api.close();
    await entra.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
