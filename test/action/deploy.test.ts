/**
 * deploy-and-verify from the committed bundle: synth (cdktf inside action/dist/deploy-app.js), terraform
 * apply of the gateway stack against moto_server, then the gate through the gateway emulator serving
 * what terraform created. Skipped, loudly, without terraform, moto_server or the offline provider mirror.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiGatewayV2Client, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import { writeMirrorCliConfig } from '../../src/deploy/provider-mirror';
import { startEntra, type EntraEmulator } from '../../src/local/entra';
import { gatewayFromAws, startGateway, type GatewayEmulator } from '../../src/local/gateway';
import { startGithubOidc, type GithubOidcEmulator } from '../../src/local/github';
import { startMoto, type MotoServer } from '../../src/local/moto';
import { listen, type RunningServer } from '../../src/local/server';
import { CALLER, ORDERS_API, TENANT, directoryFor } from '../local/idp/helpers';
import { offlineTerraform } from '../support/tools';
import { errorLines, runAction } from './harness';

const tools = offlineTerraform();
if ('skip' in tools) console.warn(`SKIPPING action deploy-and-verify (terraform + moto): ${tools.skip}`);
const maybe = 'skip' in tools ? describe.skip : describe;
const API_NAME = 'action-api';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** How a runner starts the bundle here: synth runs inside it, so its processes and time are capped. */
function runOptions(work: string, env: Record<string, string>) {
  return {
    cwd: work,
    node: ['bash', '-c', 'ulimit -u 200 && exec "$0" "$@"', process.execPath],
    timeoutMs: 220_000,
    env: {
      GITHUB_REPOSITORY: 'octo-org/orders-api',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      TF_CLI_CONFIG_FILE: writeMirrorCliConfig((tools as { mirror: string }).mirror, join(work, 'terraform.rc')),
      ...env,
    },
  };
}

maybe('action bundle: deploy-and-verify with terraform on moto', () => {
  let moto: MotoServer;
  let github: GithubOidcEmulator;
  let entra: EntraEmulator;
  let front: RunningServer;
  let gateway: GatewayEmulator | undefined;

  beforeAll(async () => {
    [moto, github] = await Promise.all([startMoto(), startGithubOidc()]);
    entra = await startEntra({ directory: directoryFor(github.issuer) });
    // The API's address is only known after apply; this front loads what terraform created into the
    // gateway emulator on the first probe and forwards every request to it.
    let loading: Promise<GatewayEmulator> | undefined;
    const load = async (): Promise<GatewayEmulator> => {
      const client = new ApiGatewayV2Client({ endpoint: moto.url, region: 'us-east-1', credentials });
      const api = (await client.send(new GetApisCommand({}))).Items?.find((a) => a.Name === API_NAME);
      client.destroy();
      if (!api?.ApiId) throw new Error(`no API named ${API_NAME} in moto yet`);
      return (gateway = await startGateway({ definition: await gatewayFromAws({ endpoint: moto.url, region: 'us-east-1', apiId: api.ApiId, credentials }) }));
    };
    front = await listen(async (req, res) => {
      loading ??= load().catch((error: unknown) => {
        loading = undefined;
        throw error;
      });
      const target = await loading;
      const headers: Record<string, string> = {};
      if (req.headers.authorization !== undefined) headers['authorization'] = req.headers.authorization;
      const answer = await fetch(`${target.url}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, redirect: 'manual' });
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
        ...(answer.headers.get('www-authenticate') ? { 'www-authenticate': answer.headers.get('www-authenticate')! } : {}),
      });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([front?.close(), gateway?.close(), entra?.close(), github?.close(), moto?.close()]);
  });

  test('out of the box: deploys the default routes with every input at its default (paths auto), probes every deployed route and passes', async () => {
    const work = mkdtempSync(join(tmpdir(), 'action-deploy-'));
    writeFileSync(
      join(work, 'guard.json'),
      JSON.stringify({
        profile: 'local',
        cloud: 'local',
        authorityHost: entra.url,
        aws: { region: 'us-east-1', endpoint: moto.url, providerVersion: '5.100.0' },
        backend: { type: 'local' },
      }),
    );
    const run = await runAction(
      {
        command: 'deploy-and-verify',
        config: 'guard.json',
        'tenant-id': TENANT,
        'api-name': API_NAME,
        stacks: 'gateway',
        'api-client-id': ORDERS_API.clientId,
        'allow-local-backend': 'true',
        'api-url': front.url,
        // No paths, api-id, cloud or authority-host: the runner exports their defaults (paths auto, cloud
        // public); the deploy's api_id output is read back from moto (the config's endpoint), every
        // deployed route is probed, and the deployed config's local cloud applies.
        'client-id': CALLER.clientId,
        scope: `${ORDERS_API.uri}/.default`,
        'timeout-seconds': '60',
      },
      runOptions(work, { ACTIONS_ID_TOKEN_REQUEST_URL: github.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken }),
    );
    expect(errorLines(run.stdout)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^::group::apply gateway$/m);
    // Only the gateway stack is deployed: no federated credential, so subject auto has nothing to do.
    expect(run.stdout).not.toContain('subject auto');
    expect(run.stdout).toMatch(/^routes: 3 deployed routes of action-api \(\w+, stage \$default\); 3 probed$/m);
    const report = JSON.parse(run.outputs['report']!) as {
      probes: { request: { method: string; path: string; auth: string }; routeKey?: string }[];
      routes: { routeKey: string; authorizer?: string; public: boolean; result: string }[];
      findings: unknown[];
    };
    // Every route of the default config, each with its own method; the token and attacks on GET /hello.
    expect(
      report.probes.filter((p) => p.request.auth === 'none').map((p) => `${p.request.method} ${p.request.path.replace(/eag-\w+/, 'eag-…')} → ${p.routeKey}`),
    ).toEqual([
      'GET /health → GET /health',
      'GET /hello → GET /hello',
      'GET /eag-… → ANY /{proxy+}',
      'POST /eag-… → ANY /{proxy+}',
      'DELETE /eag-… → ANY /{proxy+}',
    ]);
    expect([...new Set(report.probes.filter((p) => p.request.auth !== 'none').map((p) => `${p.request.method} ${p.request.path}`))]).toEqual(['GET /hello']);
    expect(report.routes.map((r) => [r.routeKey, r.public, r.result])).toEqual([
      ['GET /health', true, 'pass'],
      ['GET /hello', false, 'pass'],
      ['ANY /{proxy+}', false, 'pass'],
    ]);
    // The stage terraform deployed has access logs and throttling; the routes are the declared ones.
    expect(report.findings).toEqual([]);
    expect(run.summary).toContain('#### Routes of action-api');
    expect(run.outputs).toMatchObject({
      verdict: 'pass',
      'api-id': expect.stringMatching(/^\w+$/),
      issuer: `${entra.url}/${TENANT}/v2.0`,
      audiences: JSON.stringify([ORDERS_API.clientId]),
      'unauthenticated-status': '401',
      'authenticated-status': '200',
    });
  }, 240_000);
});
