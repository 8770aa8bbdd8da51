import { tokenEndpoint } from '../contract';
import { CLI_SETTING_NAMES, reportFindings, runGatePipeline, sarifConfigFile, toSarif, type DeployedApi, type GateReport } from '../gate';
import type { TokenSourceConfig } from '../token';
import { controlPlaneSettings } from './aws-env';
import { checkOutputPath, commandFailed, documentPublisher, usageError, writeDocumentFile } from './json-report';
import { findingLines, routeLines } from './render-routes';
import { githubIdTokenFrom } from './github-id-token';
import { EXIT_FAIL, EXIT_INTERRUPTED, EXIT_PASS, colours, type CliCommand, type CliEnv, type CliIo } from './io';
import { secretOutput } from './secret-output';
import { parseVerifyArgs, type VerifyArgs } from './verify-args';

export const VERIFY_HELP = `Usage: entra-api-guard verify (--api-id ID | --api-url URL) [options]

Probes an API until its answers are stable: no token → 401, a valid Entra token → 200, and
every attack in the README's attack table (forged, unsigned, key-confusion, embedded-key,
tampered and malformed tokens, a genuine token for another API) → 401. With --api-id it reads
the API from AWS, probes every deployed route and audits the authorizers behind them.

  --api-id ID                   read the API's routes, authorizers and stage from AWS (credentials,
                                AWS_REGION and AWS_ENDPOINT_URL as the AWS SDK reads them)
  --region R                    AWS region (default AWS_REGION)
  --stage NAME                  the stage to probe (default $default, else the API's only stage)
  --public-route "GET /health"  a route that answers anyone on purpose, repeatable
  --allow-authorizer NAME       an authorizer (name or id; AWS_IAM for IAM routes) that is meant to
                                trust another issuer or to be a Lambda authorizer, repeatable
  --api-url URL                 API base (stage) URL (default with --api-id: the stage's invoke URL);
                                https, or http to loopback only
  --allow-insecure-http         also send the token over plain http to other hosts (warned about)
  --path P                      path to probe, repeatable (default /, or none with --api-id: every
                                deployed route is probed); all are probed without a token
  --method M                    HTTP method of the --path probes (default GET)
  --header "Name: value"        extra request header, repeatable (not Authorization)
  --body TEXT                   request body (not with GET)

Token source (at most one):
  --token-env NAME              read the access token from environment variable NAME (recommended)
  --token-command CMD           run CMD and use its stdout, e.g.
                                "az account get-access-token --resource api://x --query accessToken -o tsv"
                                (it gets --timeout-seconds to finish)
  --tenant-id ID --client-id ID --scope S
                                get a token from Entra: GitHub OIDC (in Actions, permissions: id-token: write)
                                or, with --client-secret-env NAME, a client secret
  --token T                     an access token on the command line: avoid it, since any user
                                on the machine can read command lines (ps, /proc)
  --cloud public|usgov|china|local   (default public)
  --authority-host URL          Entra host override (required for local)
  --audience AUD                GitHub OIDC audience (default: the cloud's federation audience)
  --other-audience-scope S      scope for the wrong-audience probe: a decoy API of the same tenant, e.g. the
                                identity stack's decoy_scope output (default: Microsoft Graph's .default,
                                weaker evidence)

Expectations:
  --expect-unauthenticated L    refusal statuses for requests without a valid token (default 401),
                                e.g. 401,403; never a 2xx or 3xx
  --expect-authenticated L      statuses for the valid token (default 200); never 401 or 403
  --timeout-seconds N           give up after N seconds (default 60)
  --no-negative-probes          skip the attacks (forged tokens, malformed headers, other audience)

Output:
  --json                        print the JSON report on stdout (one document, also on errors)
  --report FILE                 also write the JSON report to FILE (0600, written whole or not at all)
  --sarif FILE                  also write the gate's findings as SARIF 2.1.0 to FILE for code scanning
                                (0600; only when the gate ran, with no results when it passed)
  --verbose                     log each probe's answers on stderr as they change
  -h, --help                    this help

Exit status: 0 pass, 1 fail, 2 usage error, 130 or 143 interrupted (SIGINT, SIGTERM).
`;

export const verifyCommand: CliCommand = {
  summary: 'probe a deployed API: 401 without a token, 200 with one, forged tokens refused',
  run: runVerify,
};

async function runVerify(argv: readonly string[], env: CliEnv, io: CliIo): Promise<number> {
  // Every token is redacted from all output and masked (on stderr) the moment it exists.
  const { stdout, stderr, mask, redact } = secretOutput(io, env);
  const paint = colours(io.stderr, env);
  let args: VerifyArgs;
  try {
    args = parseVerifyArgs(argv, env);
    if (args.report !== undefined) checkOutputPath(args.report);
    if (args.sarif !== undefined) checkOutputPath(args.sarif, '--sarif', 'entra-api-guard.sarif');
  } catch (error) {
    // --json promises one JSON document on stdout, a usage error included.
    return usageError('verify', error, argv, { stdout, stderr });
  }
  if (args.help) {
    stdout.write(VERIFY_HELP);
    return EXIT_PASS;
  }
  const log = (line: string): void => void stderr.write(`${paint.dim(line)}\n`);
  /** The one result document, on stdout with --json and in the --report file; false when the file could not be written. */
  const publish = documentPublisher({ json: args.json, ...(args.report !== undefined ? { report: args.report } : {}), stdout, stderr, redact, red: paint.red });
  /** The findings for code scanning, pointing at the workflow running this (GITHUB_WORKFLOW_REF) when there is one. */
  const publishSarif = (report: GateReport): boolean => {
    if (args.sarif === undefined) return true;
    const configFile = sarifConfigFile(env['GITHUB_WORKSPACE'] ?? env['PWD'] ?? process.cwd(), [], env['GITHUB_WORKFLOW_REF']);
    return writeDocumentFile('--sarif', args.sarif, toSarif(reportFindings(report), configFile ? { configFile } : {}), { stderr, redact, red: paint.red });
  };
  const signal = io.signal;
  if (args.cleartext)
    stderr.write(
      `${paint.yellow('warning')}: --allow-insecure-http: the token goes to ${args.apiUrl ?? 'the API'} over plain http, where anyone on the path can read and replay it\n`,
    );

  try {
    // The control plane first: a wrong --api-id is one line before any token exists.
    const deployed = args.apiId !== undefined ? await readDeployed(args, env, signal, log) : undefined;
    const source = toTokenSourceConfig(args, env, io);
    const { report } = await runGatePipeline({
      ...(args.apiUrl !== undefined ? { apiUrl: args.apiUrl } : {}),
      ...(deployed ? { deployed, publicRoutes: args.publicRoutes, allowAuthorizers: args.allowAuthorizers } : {}),
      ...(source ? { source } : {}),
      tokenDeps: { mask, log },
      ...(args.otherAudienceScope !== undefined ? { otherAudienceScope: args.otherAudienceScope } : {}),
      ...(args.paths.length > 0 ? { paths: args.paths } : {}),
      method: args.method,
      headers: args.headers,
      ...(args.body !== undefined ? { body: args.body } : {}),
      negativeProbes: args.negativeProbes,
      expectUnauthenticated: args.expectUnauthenticated,
      expectAuthenticated: args.expectAuthenticated,
      timeoutMs: args.timeoutSeconds * 1000,
      allowInsecureHttp: args.cleartext,
      names: CLI_SETTING_NAMES,
      ...(signal ? { signal } : {}),
      ...(io.fetch ? { fetch: io.fetch } : {}),
      ...(args.verbose ? { log } : {}),
    });
    // Interrupted: no report, whatever the probes saw so far.
    if (signal?.aborted) return interrupted(stderr);
    const written = [publish(report), publishSarif(report)].every(Boolean);
    if (!args.json) stdout.write(renderText(report, io, env));
    return report.pass && written ? EXIT_PASS : EXIT_FAIL;
  } catch (error) {
    if (signal?.aborted) return interrupted(stderr);
    return commandFailed('verify', error, { stderr, publish, red: paint.red });
  }
}

function interrupted(stderr: { write(text: string): unknown }): number {
  stderr.write('interrupted: the gate stopped before it finished; no report\n');
  return EXIT_INTERRUPTED;
}

/**
 * The API from the control plane, through the SDK's default credential chain. Region and endpoint come
 * from this command's environment (AWS_REGION, AWS_ENDPOINT_URL_APIGATEWAYV2, AWS_ENDPOINT_URL), so a
 * local control plane such as moto needs no flag; --region wins.
 */
async function readDeployed(args: VerifyArgs, env: CliEnv, signal: AbortSignal | undefined, log: (line: string) => void): Promise<DeployedApi> {
  // Loaded on use (require keeps it lazy after transpiling): the AWS SDK only with --api-id.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readApiFromControlPlane } = require('../gate/control-plane') as typeof import('../gate/control-plane');
  return readApiFromControlPlane({
    apiId: args.apiId!,
    ...controlPlaneSettings(args.region, env),
    ...(args.stage !== undefined ? { stage: args.stage } : {}),
    ...(signal ? { signal } : {}),
    log,
  });
}

function toTokenSourceConfig(args: VerifyArgs, env: CliEnv, io: CliIo): TokenSourceConfig | undefined {
  const source = args.source;
  switch (source.kind) {
    case 'none':
      return undefined;
    case 'given':
      return { kind: 'given', token: source.token };
    case 'command':
      // The command gets the same time as the gate: --timeout-seconds.
      return { kind: 'command', command: source.command, env: { ...env }, timeoutMs: args.timeoutSeconds * 1000 };
    case 'entra': {
      const app = { tokenEndpoint: tokenEndpoint(args.cloud, source.tenantId), clientId: source.clientId, scope: source.scope };
      if (source.clientSecret !== undefined) return { kind: 'client-secret', ...app, clientSecret: source.clientSecret };
      return {
        kind: 'github-oidc',
        ...app,
        cloud: args.cloud,
        getIDToken: io.getIDToken ?? githubIdTokenFrom(env, io.fetch),
        ...(source.audience !== undefined ? { audience: source.audience } : {}),
      };
    }
  }
}

/** Human output: verdict line, one line per probe, then failures with fixes and warnings. */
export function renderText(report: GateReport, io: CliIo, env: CliEnv, command = 'verify'): string {
  const paint = colours(io.stdout, env);
  const lines: string[] = [];
  const verdict = report.pass ? paint.green('PASS') : paint.red('FAIL');
  lines.push(
    `entra-api-guard ${command}: ${verdict} ${report.apiUrl} (${report.probes.length} probes, ${(report.ms / 1000).toFixed(1)} s, stable after ${(report.timeToStableMs / 1000).toFixed(1)} s)`,
  );
  for (const p of report.probes) {
    const info = p.role === 'informational';
    const ok = p.outcome === 'pass' || info;
    const actual = p.actual === null ? (p.lastAnswers[p.lastAnswers.length - 1]?.error ?? 'no answer') : String(p.actual);
    const mark = info ? paint.dim('i') : ok ? paint.green('✓') : paint.red('✗');
    lines.push(
      `  ${mark} ${p.name.padEnd(52)} ${actual}${ok ? '' : ` (expected ${p.expected.join('|')})`}  ${paint.dim(`${p.attempts} attempts, ${p.ms} ms`)}`,
    );
  }
  lines.push(...routeLines(report.routes, paint));
  lines.push(...findingLines(report.findings, paint));
  for (const f of report.failures) {
    lines.push(`${paint.red(f.code)} ${f.probe}: ${f.reason}`);
    lines.push(`  fix: ${f.fix}${f.reference ? ` (attack reference: ${f.reference})` : ''}`);
  }
  for (const w of report.warnings) lines.push(`${paint.yellow('warning')}: ${w}`);
  return `${lines.join('\n')}\n`;
}
