// `entra-api-guard audit` and `verify --api-id` (issue [2] items 1 and 4), run as the binary against
// moto_server with the SDK's own environment variables (AWS_REGION, AWS_ENDPOINT_URL): no extra flag.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayFromAws, startGateway, type GatewayEmulator } from '../../src/local/gateway';
import { motoAvailable, startMoto, type MotoServer } from '../../src/local/moto';
import { runBin } from '../support/cli-bin';
import { CREDENTIALS, REGION, createApi } from '../gate/helpers/control-plane';
import { createTestIssuer, type TestIssuer } from '../gate/helpers/issuer';

const moto = motoAvailable();
if (!moto) console.warn('SKIPPED audit and verify --api-id CLI tests: moto_server is not on PATH (pip install "moto[server]" to run them)');
const describeMoto = moto ? describe : describe.skip;

const GITHUB = 'https://token.actions.githubusercontent.com';

describeMoto(
  `audit and verify --api-id against moto_server (the binary)${moto ? '' : ' (skipped: moto_server is not on PATH; pip install "moto[server]")'}`,
  () => {
    let server: MotoServer;
    let issuer: TestIssuer;
    let good = '';
    let bad = '';
    let gateway: GatewayEmulator | undefined;
    const aws = (extra: Record<string, string> = {}) => ({
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: server.url,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      ...extra,
    });

    beforeAll(async () => {
      [server, issuer] = await Promise.all([startMoto(), createTestIssuer()]);
      const entra = { issuer: issuer.issuer, audiences: [issuer.audience] };
      good = await createApi(server.url, {
        name: 'good-api',
        authorizers: { entra },
        routes: [{ routeKey: 'GET /orders', auth: 'entra' }, { routeKey: 'GET /health' }],
      });
      bad = await createApi(server.url, {
        name: 'bad-api',
        authorizers: { entra, 'ci-jwt': { issuer: GITHUB, audiences: ['api://orders'] } },
        routes: [{ routeKey: 'GET /orders', auth: 'entra' }, { routeKey: 'POST /admin' }, { routeKey: 'POST /deploy', auth: 'ci-jwt' }],
      });
    }, 90_000);

    afterAll(async () => {
      await Promise.all([gateway?.close(), server?.close()]);
    });

    test('audit with no --api-id audits every HTTP API in the region and exits 1 on a failure finding', async () => {
      const run = await runBin(['audit', '--public-route', 'GET /health', '--issuer', issuer.issuer, '--audience', issuer.audience, '--json'], { env: aws() });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as {
        pass: boolean;
        region: string;
        apis: { apiId: string; name: string; findings: { code: string; routeKey?: string; authorizer?: string }[] }[];
        summary: Record<string, number>;
      };
      expect(report).toMatchObject({ pass: false, region: REGION, summary: { apis: 2, failures: 2, unreadable: 0 } });
      const byName = Object.fromEntries(report.apis.map((a) => [a.name, a.findings.map((f) => `${f.code} ${f.routeKey ?? f.authorizer}`)]));
      expect(byName).toEqual({
        'good-api': [],
        'bad-api': ['AUDIT_ROUTE_WITHOUT_AUTHORIZER POST /admin', 'AUDIT_AUTHORIZER_TRUSTS_GITHUB_ACTIONS ci-jwt', 'AUDIT_AUDIENCE_BEYOND_REFERENCE ci-jwt'],
      });
    }, 60_000);

    test('audit --api-id: the readable table, exit 0 without failures; --report writes the same document 0600', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'audit-report-'));
      const file = join(dir, 'audit.json');
      const run = await runBin(['audit', '--api-id', good, '--public-route', 'GET /health', '--report', file], { env: aws() });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        new RegExp(
          `^entra-api-guard audit: PASS 1 API in ${REGION} \\(0 failures, 0 warnings, [\\d.]+ s\\)\\n✓ good-api \\(${good}\\) stage \\$default: 2 routes\\n$`,
        ),
      );
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
        pass: true,
        apis: [
          {
            apiId: good,
            routes: [
              { routeKey: 'GET /orders', authorization: 'JWT', authorizer: 'entra' },
              { routeKey: 'GET /health', authorization: 'NONE' },
            ],
          },
        ],
      });
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }, 60_000);

    test.each([
      [
        'an API id that does not exist',
        ['audit', '--api-id', 'nope42'],
        {},
        /^error: --api-id: got "nope42"; expected the id of an HTTP API in eu-west-1 \(GetApi found none; check the region: --region or AWS_REGION\) \(see entra-api-guard audit --help\)$/,
        2,
      ],
      ['an API id with a slash', ['audit', '--api-id', 'a/b'], {}, /^error: --api-id: got "a\/b"; expected an API Gateway API id/, 2],
      ['no region anywhere', ['audit'], { AWS_REGION: '' }, /^error: --region: got ""; expected an AWS region such as eu-west-1 \(or set AWS_REGION\)/, 2],
      [
        'no credentials anywhere',
        ['audit'],
        {
          AWS_ACCESS_KEY_ID: '',
          AWS_SECRET_ACCESS_KEY: '',
          HOME: '/nonexistent',
          AWS_CONFIG_FILE: '/nonexistent/config',
          AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
        },
        /^error: GetApis: no AWS credentials found by the SDK's default chain; .* \[ERR_AWS_CREDENTIALS\]$/,
        1,
      ],
      ['a bad --concurrency', ['audit', '--concurrency', '0'], {}, /^error: --concurrency: got "0"; expected a whole number of calls from 1 to 64/, 2],
      [
        'verify --public-route without --api-id',
        ['verify', '--api-url', 'https://abc.example.com', '--public-route', 'GET /health'],
        {},
        /^error: --public-route: got "GET \/health"; expected only with --api-id/,
        2,
      ],
      [
        'verify --public-route that is no route key',
        ['verify', '--api-id', 'abc', '--public-route', 'health'],
        {},
        /^error: --public-route: got "health"; expected METHOD \/path/,
        2,
      ],
    ])(
      '%s: one line and its exit code',
      async (_what, args, env, line, code) => {
        const overrides = env as Record<string, string>;
        // An empty override means "not set at all", as on a machine without it.
        const merged = Object.fromEntries(Object.entries(aws(overrides)).filter(([, value]) => value !== ''));
        const run = await runBin(args, { env: merged });
        expect(run.stderr.trim().split('\n')).toHaveLength(1);
        expect(run.stderr.trim()).toMatch(line);
        expect(run.code).toBe(code);
      },
      60_000,
    );

    test('audit --json keeps its promise of one document on a usage error', async () => {
      const run = await runBin(['audit', '--api-id', 'nope42', '--json'], { env: aws() });
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout)).toEqual({ pass: false, error: { code: 'ERR_INVALID_INPUT', message: expect.stringMatching(/^--api-id: got "nope42"/) } });
    }, 60_000);

    test('verify --api-id probes every deployed route, audits it, and names the open one (--api-url overrides the data plane)', async () => {
      gateway = await startGateway({ definition: await gatewayFromAws({ endpoint: server.url, region: REGION, apiId: bad, credentials: CREDENTIALS }) });
      const token = await issuer.sign();
      const run = await runBin(
        ['verify', '--api-id', bad, '--api-url', gateway.url, '--token-env', 'TOKEN', '--no-negative-probes', '--timeout-seconds', '3', '--json'],
        { env: aws({ TOKEN: token }) },
      );
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as {
        pass: boolean;
        api: unknown;
        routes: { routeKey: string; result: string; findings: string[] }[];
        failures: { code: string; probe: string }[];
        findings: { code: string }[];
      };
      expect(report.api).toEqual({ apiId: bad, name: 'bad-api', stage: '$default' });
      expect(report.routes.map((r) => `${r.routeKey} ${r.result} ${r.findings.join(',')}`)).toEqual([
        'POST /admin fail AUDIT_ROUTE_WITHOUT_AUTHORIZER',
        'POST /deploy fail AUDIT_AUTHORIZER_TRUSTS_GITHUB_ACTIONS,AUDIT_AUDIENCE_BEYOND_REFERENCE',
        'GET /orders pass ',
      ]);
      expect(report.failures.map((f) => `${f.code} ${f.probe}`)).toContain('ERR_GATE_OPEN_API none POST /admin');
      expect(run.stdout).not.toContain(token.slice(-20));
    }, 60_000);
  },
);
