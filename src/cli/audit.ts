import { resolve } from 'node:path';
import { parseInteger } from '../contract/input-values';
import { InvalidInputError } from '../errors';
import type { AuditReport } from '../gate/audit/fleet-report';
import { parseFlags } from './args';
import { controlPlaneSettings } from './aws-env';
import { EXIT_FAIL, EXIT_INTERRUPTED, EXIT_PASS, colours, type CliCommand, type CliEnv, type CliIo } from './io';
import { checkOutputPath, commandFailed, documentPublisher, usageError } from './json-report';
import { findingLines, printable } from './render-routes';
import { secretOutput } from './secret-output';
import { parseControlPlaneFlags, type ControlPlaneFlags } from './verify-args';

export const AUDIT_HELP = `Usage: entra-api-guard audit [--api-id ID]... [options]

Reads HTTP APIs from the AWS control plane and audits the routes and the authorizers behind them:
routes without an authorizer, authorizers trusting another issuer (GitHub's, the other token
version's), Microsoft applications among the audiences, scopes pipelines cannot carry, stages
without access logs or throttling. Sends no request to the APIs. Credentials, AWS_REGION and
AWS_ENDPOINT_URL are read as the AWS SDK reads them.

  --api-id ID                   an API to audit, repeatable (default: every HTTP API in the region)
  --region R                    AWS region (default AWS_REGION)
  --stage NAME                  the stage to audit (default $default, else the API's only stage)
  --issuer URL                  the issuer authorizers must trust, e.g. https://login.microsoftonline.com/<tenant>/v2.0;
                                without it only GitHub's issuer and Microsoft audiences are judged
  --audience AUD                an audience the APIs own, repeatable (others are warned about)
  --public-route "GET /health"  a route that answers anyone on purpose, repeatable
  --allow-authorizer NAME       an authorizer (name or id; AWS_IAM for IAM routes) declared on purpose, repeatable
  --concurrency N               control-plane calls in flight, 1-64 (default 8); halves on throttling
  --json                        print the JSON report on stdout (one document, also on errors)
  --report FILE                 also write the JSON report to FILE (0600, written whole or not at all)
  --verbose                     log throttling and retries on stderr
  -h, --help                    this help

Exit status: 0 no failure, 1 a failure finding or an API that could not be read, 2 usage error,
130 or 143 interrupted (SIGINT, SIGTERM).
`;

const FLAGS = {
  'api-id': { type: 'string', multiple: true },
  region: { type: 'string' },
  stage: { type: 'string' },
  issuer: { type: 'string' },
  audience: { type: 'string', multiple: true },
  'public-route': { type: 'string', multiple: true },
  'allow-authorizer': { type: 'string', multiple: true },
  concurrency: { type: 'string' },
  json: { type: 'boolean' },
  report: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface AuditArgs extends Omit<ControlPlaneFlags, 'apiId'> {
  readonly help: boolean;
  readonly apiIds: readonly string[];
  readonly issuer?: string;
  readonly audiences: readonly string[];
  readonly concurrency: number;
  readonly json: boolean;
  readonly report?: string;
  readonly verbose: boolean;
}

export const auditCommand: CliCommand = {
  summary: 'audit the routes and authorizers of one API or every HTTP API in a region (the fleet view)',
  run: runAudit,
};

/** Pure: reads `audit`'s flags. Throws InvalidInputError (one line, named after the flag). */
export function parseAuditArgs(argv: readonly string[]): AuditArgs {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help) return { help: true } as AuditArgs;
  const ids = flags['api-id'] ?? [];
  // Each id is checked like verify's --api-id; the control-plane flags are shared with it.
  const { apiId: _first, ...shared } = parseControlPlaneFlags({ ...flags, 'api-id': ids[0] });
  for (const id of ids.slice(1)) parseControlPlaneFlags({ 'api-id': id });
  const issuer = flags.issuer;
  if (issuer !== undefined && !/^https?:\/\/\S+$/.test(issuer))
    throw new InvalidInputError('--issuer', issuer, 'the issuer URL authorizers must trust, e.g. https://login.microsoftonline.com/<tenant>/v2.0');
  const audiences = (flags.audience ?? []).map((a) => {
    if (!/^\S+$/.test(a)) throw new InvalidInputError('--audience', a, 'an audience without spaces, e.g. the API app client id');
    return a;
  });
  const report = flags.report;
  if (report !== undefined && report.trim() === '') throw new InvalidInputError('--report', report, 'a file path for the JSON report, e.g. audit.json');
  return {
    help: false,
    apiIds: [...new Set(ids)],
    ...shared,
    ...(issuer !== undefined ? { issuer } : {}),
    audiences,
    concurrency: parseInteger('--concurrency', flags.concurrency ?? '', { min: 1, max: 64, fallback: 8, unit: 'calls' }),
    json: flags.json === true,
    ...(report !== undefined ? { report: resolve(report) } : {}),
    verbose: flags.verbose === true,
  };
}

async function runAudit(argv: readonly string[], env: CliEnv, io: CliIo): Promise<number> {
  const { stdout, stderr, redact } = secretOutput(io, env);
  const paint = colours(io.stderr, env);
  let args: AuditArgs;
  try {
    args = parseAuditArgs(argv);
    if (args.report !== undefined) checkOutputPath(args.report);
  } catch (error) {
    // --json promises one JSON document on stdout, a usage error included.
    return usageError('audit', error, argv, { stdout, stderr });
  }
  if (args.help) {
    stdout.write(AUDIT_HELP);
    return EXIT_PASS;
  }
  const publish = documentPublisher({ json: args.json, ...(args.report !== undefined ? { report: args.report } : {}), stdout, stderr, redact, red: paint.red });
  const log = (line: string): void => void stderr.write(`${paint.dim(line)}\n`);
  const signal = io.signal;
  try {
    const report = await auditRegion(args, env, signal, args.verbose ? log : undefined);
    if (signal?.aborted) return interrupted(stderr);
    const written = publish(report);
    if (!args.json) stdout.write(renderAuditText(report, io, env));
    return report.pass && written ? EXIT_PASS : EXIT_FAIL;
  } catch (error) {
    if (signal?.aborted) return interrupted(stderr);
    return commandFailed('audit', error, { stderr, publish, red: paint.red });
  }
}

/** The edge: one control plane for the whole run, so concurrency and back-off are shared by every call. */
async function auditRegion(args: AuditArgs, env: CliEnv, signal: AbortSignal | undefined, log: ((line: string) => void) | undefined): Promise<AuditReport> {
  // Loaded on use (require keeps it lazy after transpiling): the AWS SDK only when AWS is read.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ControlPlane, readDeployedApi, readFleet } = require('../gate/control-plane') as typeof import('../gate/control-plane');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { auditedApi, buildAuditReport } = require('../gate/audit/fleet-report') as typeof import('../gate/audit/fleet-report');
  const started = Date.now();
  const plane = new ControlPlane({
    ...controlPlaneSettings(args.region, env),
    concurrency: args.concurrency,
    ...(signal ? { signal } : {}),
    ...(log ? { log } : {}),
  });
  try {
    const region = await plane.region();
    const settings = {
      publicRoutes: args.publicRoutes,
      allowAuthorizers: args.allowAuthorizers,
      reference: { ...(args.issuer !== undefined ? { issuer: args.issuer } : {}), ...(args.audiences.length > 0 ? { audiences: args.audiences } : {}) },
    };
    const stage = args.stage !== undefined ? { stage: args.stage } : {};
    // One named API fails like verify --api-id does (a wrong id is a usage error); in a fleet an API
    // that cannot be read is one row of the report, and the others go on.
    const entries =
      args.apiIds.length === 1
        ? [{ apiId: args.apiIds[0]!, api: await readDeployedApi(plane, { apiId: args.apiIds[0]!, ...stage }) }]
        : await readFleet(plane, { apiIds: args.apiIds, ...stage });
    const apis = entries.map((entry) =>
      'api' in entry
        ? auditedApi(entry.api, settings)
        : { apiId: entry.apiId, ...(entry.name !== undefined ? { name: entry.name } : {}), routes: [], findings: [], error: entry.error },
    );
    return buildAuditReport(apis, { startedAt: started, ms: Date.now() - started, region, throttled: plane.throttled });
  } finally {
    plane.close();
  }
}

/** Human output: a verdict line, then per API a line and its findings with fixes. */
export function renderAuditText(report: AuditReport, io: CliIo, env: CliEnv): string {
  const paint = colours(io.stdout, env);
  const { apis, failures, warnings, unreadable } = report.summary;
  const verdict = report.pass ? paint.green('PASS') : paint.red('FAIL');
  const counts = `${failures} failure${failures === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${unreadable > 0 ? `, ${unreadable} unreadable` : ''}`;
  const lines = [
    `entra-api-guard audit: ${verdict} ${apis} API${apis === 1 ? '' : 's'}${report.region ? ` in ${report.region}` : ''} (${counts}, ${(report.ms / 1000).toFixed(1)} s${report.throttled > 0 ? `, throttled ${report.throttled}×` : ''})`,
  ];
  for (const api of report.apis) {
    const failed = api.error !== undefined || api.findings.some((f) => f.severity === 'failure');
    const mark = failed ? paint.red('✗') : paint.green('✓');
    const title = printable(`${api.name ?? '(unnamed)'} (${api.apiId})${api.stage ? ` stage ${api.stage}` : ''}`);
    if (api.error !== undefined) {
      lines.push(`${mark} ${title}: could not be read: ${printable(api.error)}`);
      continue;
    }
    lines.push(`${mark} ${title}: ${api.routes.length} route${api.routes.length === 1 ? '' : 's'}`);
    lines.push(...findingLines(api.findings, paint).map((line) => `  ${line}`));
  }
  return `${lines.join('\n')}\n`;
}

function interrupted(stderr: { write(text: string): unknown }): number {
  stderr.write('interrupted: the audit stopped before it finished; no report\n');
  return EXIT_INTERRUPTED;
}
