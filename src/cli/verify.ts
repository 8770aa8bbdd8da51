import * as core from '@actions/core';
import { tokenEndpoint } from '../contract';
import { GuardError, InvalidInputError, errorMessage } from '../errors';
import { CLI_SETTING_NAMES, buildGateReport, verifyApiGate, warmUpForgery, type GateReport } from '../gate';
import { acquireToken, type AcquiredToken, type TokenSourceConfig } from '../token';
import { EXIT_FAIL, EXIT_INTERRUPTED, EXIT_PASS, EXIT_USAGE, colours, type CliCommand, type CliEnv, type CliIo } from './io';
import { parseUsage } from './args';
import { parseVerifyArgs, type VerifyArgs } from './verify-args';

export const VERIFY_HELP = `Usage: entra-api-guard verify --api-url URL [options]

Probes an API until its answers are stable: no token → 401, a valid Entra token → 200,
forged/tampered/unsigned/expired tokens and malformed headers → 401.

  --api-url URL                 API base (stage) URL (required); https, or http to loopback only
  --allow-insecure-http         also send the token over plain http to other hosts (warned about)
  --path P                      path to probe, repeatable (default /); all are probed without a token
  --method M                    HTTP method (default GET)
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
  --other-audience-scope S      scope for the wrong-audience probe (default: Microsoft Graph's .default in the cloud)

Expectations:
  --expect-unauthenticated L    refusal statuses for requests without a valid token (default 401),
                                e.g. 401,403; never a 2xx or 3xx
  --expect-authenticated L      statuses for the valid token (default 200); never 401 or 403
  --timeout-seconds N           give up after N seconds (default 60)
  --no-negative-probes          skip forged-token and malformed-header probes

Output:
  --json                        print the JSON report on stdout
  --verbose                     log each probe's answers on stderr as they change
  -h, --help                    this help

Exit status: 0 pass, 1 fail, 2 usage error, 130 or 143 interrupted (SIGINT, SIGTERM).
`;

export const verifyCommand: CliCommand = {
  summary: 'probe a deployed API: 401 without a token, 200 with one, forged tokens refused',
  run: runVerify,
};

async function runVerify(argv: readonly string[], env: CliEnv, io: CliIo): Promise<number> {
  const args = parseUsage('verify', io, () => parseVerifyArgs(argv, env));
  if (!args) return EXIT_USAGE;
  if (args.help) {
    io.stdout.write(VERIFY_HELP);
    return EXIT_PASS;
  }
  const paint = colours(io.stderr, env);
  const log = (line: string): void => void io.stderr.write(`${paint.dim(line)}\n`);
  const mask = io.mask ?? (env['GITHUB_ACTIONS'] === 'true' ? core.setSecret : () => undefined);
  const signal = io.signal;
  if (args.cleartext) io.stderr.write(`${paint.yellow('warning')}: --allow-insecure-http: the token goes to ${args.apiUrl} over plain http, where anyone on the path can read and replay it\n`);

  let acquired: AcquiredToken | undefined;
  try {
    // The attacker key (RSA 2048) is generated while the token is fetched, not after.
    if (args.negativeProbes) warmUpForgery();
    const source = toTokenSourceConfig(args, env, io);
    if (source) acquired = await acquireToken(source, { mask, log, ...(io.fetch ? { fetch: io.fetch } : {}), ...(signal ? { signal } : {}) });
    const mint = acquired?.mintForScope;
    const otherScope = args.otherAudienceScope;
    const run = await verifyApiGate({
      apiUrl: args.apiUrl,
      paths: args.paths,
      method: args.method,
      headers: args.headers,
      ...(args.body !== undefined ? { body: args.body } : {}),
      ...(acquired ? { token: acquired.token } : {}),
      ...(mint && otherScope !== undefined ? { mintOtherAudienceToken: () => mint(otherScope) } : {}),
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
    if (signal?.aborted) return interrupted(io);
    const report = buildGateReport(run);
    if (args.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else io.stdout.write(renderText(report, io, env));
    return report.pass ? EXIT_PASS : EXIT_FAIL;
  } catch (error) {
    if (signal?.aborted) return interrupted(io);
    if (error instanceof InvalidInputError) {
      io.stderr.write(`error: ${error.message} (see entra-api-guard verify --help)\n`);
      return EXIT_USAGE;
    }
    const code = error instanceof GuardError ? error.code : 'ERR_UNEXPECTED';
    io.stderr.write(`${paint.red('error')}: ${errorMessage(error)}${error instanceof GuardError ? ` [${code}]` : ''}\n`);
    if (args.json) io.stdout.write(`${JSON.stringify({ pass: false, error: { code, message: errorMessage(error) } }, null, 2)}\n`);
    return EXIT_FAIL;
  }
}

function interrupted(io: CliIo): number {
  io.stderr.write('interrupted: the gate stopped before it finished; no report\n');
  return EXIT_INTERRUPTED;
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
        getIDToken: io.getIDToken ?? ((audience?: string) => core.getIDToken(audience)),
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
  lines.push(`entra-api-guard ${command}: ${verdict} ${report.apiUrl} (${report.probes.length} probes, ${(report.ms / 1000).toFixed(1)} s, stable after ${(report.timeToStableMs / 1000).toFixed(1)} s)`);
  for (const p of report.probes) {
    const ok = p.outcome === 'pass';
    const actual = p.actual === null ? (p.lastAnswers[p.lastAnswers.length - 1]?.error ?? 'no answer') : String(p.actual);
    const mark = ok ? paint.green('✓') : paint.red('✗');
    lines.push(`  ${mark} ${p.name.padEnd(40)} ${actual}${ok ? '' : ` (expected ${p.expected.join('|')})`}  ${paint.dim(`${p.attempts} attempts, ${p.ms} ms`)}`);
  }
  for (const f of report.failures) {
    lines.push(`${paint.red(f.code)} ${f.probe}: ${f.reason}`);
    lines.push(`  fix: ${f.fix}`);
  }
  for (const w of report.warnings) lines.push(`${paint.yellow('warning')}: ${w}`);
  return `${lines.join('\n')}\n`;
}
