import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuardError, errorMessage } from '../errors';
import { EXIT_FAIL, EXIT_PASS, EXIT_USAGE, colours, type CliCommand, type CliEnv, type CliIo, type CliStream } from './io';
import { isUsageError, oneOf, parseFlags, parseUsage, wholeSeconds } from './args';
import { projectDir } from './project';
import { renderText } from './verify';

export const LOCAL_HELP = `Usage: entra-api-guard local [options]

Rehearses the whole pipeline on loopback, with no cloud account: synthesizes the stacks, starts the
GitHub OIDC, Entra ID and API Gateway emulators, loads the identity stack into Entra, deploys the gateway
(real terraform against moto_server when terraform, moto and the aws provider mirror are here), exchanges
a GitHub token for an Entra token, and runs the full gate.

  --engine auto|terraform|emulate   how the gateway is brought up (default auto)
  --break MODE                  inject a misconfiguration the gate (or the exchange) must catch:
                                open-api, ignore-signature, issuer-v1, wrong-audience,
                                subject-names (AADSTS700213), fic-audience (AADSTS700212),
                                or one attack's authorizer flaw by its code (README attack table),
                                e.g. key-confusion-pem, alg-none-capitalized, embedded-jwk
  --fault replication-delay=S   Entra replicates the new identity for S seconds, as after a first
                                deploy: the exchange and the gate wait it out and say what they saw
  --keep                        leave the emulators up and print curl lines to try them; Ctrl-C stops
  --timeout-seconds N           how long the gate waits for stable answers (default 20)
  --dir DIR                     project folder with cdktf.json (default: here, else the bundled sample)
  --json                        print the JSON report on stdout, and nothing else (--keep's how-to goes to stderr)
  -h, --help                    this help

The terraform engine needs terraform and moto_server on PATH and an offline aws provider mirror
(found under ~/.terraform.d or /opt, or named by ENTRA_API_GUARD_PROVIDER_MIRROR); --engine terraform
without one of them is a config error (exit 2), --engine auto falls back to emulate.

Exit status: 0 pass, 1 fail, 2 usage or config error, 130 interrupted.
`;

const FLAGS = {
  engine: { type: 'string' },
  break: { type: 'string' },
  fault: { type: 'string' },
  keep: { type: 'boolean' },
  'timeout-seconds': { type: 'string' },
  dir: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const localCommand: CliCommand = {
  summary: 'rehearse synth → emulators → deploy → token exchange → gate on loopback (npm start)',
  run: runLocal,
};

async function runLocal(argv: readonly string[], env: CliEnv, io: CliIo): Promise<number> {
  // Loaded here (require keeps it lazy after transpiling): the rehearsal pulls in the emulators and, through synth, cdktf.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rehearsalModule = require('../local/rehearsal') as typeof import('../local/rehearsal');
  const { assertTerraformEngine, detectEngine, parseBreakMode, parseRehearsalFault, rehearse } = rehearsalModule;
  const parsed = parseUsage('local', io, () => {
    const flags = parseFlags(argv, FLAGS);
    return {
      flags,
      engine: oneOf('--engine', flags.engine, ['auto', 'terraform', 'emulate'] as const, 'auto'),
      breakMode: flags.break === undefined ? undefined : parseBreakMode(flags.break),
      faults: flags.fault === undefined ? undefined : parseRehearsalFault(flags.fault),
      timeoutSeconds: wholeSeconds('--timeout-seconds', flags['timeout-seconds'], 1, 3600, 20),
      root: flags.help ? '' : projectDir(flags.dir, env['PWD'] ?? process.cwd()),
    };
  });
  if (!parsed) return EXIT_USAGE;
  const { flags, engine, breakMode, faults, timeoutSeconds, root } = parsed;
  if (flags.help) {
    io.stdout.write(LOCAL_HELP);
    return EXIT_PASS;
  }
  const paint = colours(io.stderr, env);
  const mark = (line: string) =>
    line.startsWith('✓') ? paint.green('✓') + line.slice(1) : line.startsWith('✗') ? paint.red('✗') + line.slice(1) : paint.dim(line);
  const log = (line: string) => void io.stderr.write(`${mark(line)}\n`);
  const started = Date.now();
  if (engine === 'terraform') {
    // A missing part of the chosen engine is a config error: one line, before anything starts.
    try {
      assertTerraformEngine(env);
    } catch (error) {
      io.stderr.write(`${paint.red('error')}: ${errorMessage(error)} [${(error as GuardError).code}]\n`);
      return EXIT_USAGE;
    }
  }
  const chosen = engine === 'auto' ? detectEngine(env) : { engine, reason: 'chosen with --engine' };
  const faultNote = faults?.replicationDelaySeconds !== undefined ? `, Entra replication delay ${faults.replicationDelaySeconds} s` : '';
  log(`entra-api-guard local: gateway engine ${chosen.engine} (${chosen.reason})${breakMode ? `, fault ${breakMode}` : ''}${faultNote}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { synthesizeProject } = require('../../stacks/synth') as typeof import('../../stacks/synth');

  let rehearsal: Awaited<ReturnType<typeof rehearse>> | undefined;
  try {
    rehearsal = await rehearse({
      synth: (overrides, outdir) => synthesizeProject(root, overrides, outdir),
      engine: chosen.engine,
      ...(breakMode ? { breakMode } : {}),
      ...(faults ? { faults } : {}),
      env,
      log,
      timeoutSeconds,
      ...(io.signal ? { signal: io.signal } : {}),
    });
    if (flags.json)
      io.stdout.write(
        `${JSON.stringify({ ...rehearsal.report, engine: rehearsal.engine, integrations: rehearsal.integrations, steps: rehearsal.steps, replication: rehearsal.replication }, null, 2)}\n`,
      );
    else io.stdout.write(renderText(rehearsal.report, io, env, 'local'));
    log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // In --json mode stdout holds the one JSON document; the how-to goes to stderr.
    if (flags.keep) await keepRunning(rehearsal, flags.json ? io.stderr : io.stdout, io.signal);
    return rehearsal.report.pass ? EXIT_PASS : EXIT_FAIL;
  } catch (error) {
    if (io.signal?.aborted) {
      io.stderr.write('interrupted: emulators and processes stopped\n');
      return 130;
    }
    const code = error instanceof GuardError ? ` [${error.code}]` : '';
    io.stderr.write(`${paint.red('error')}: ${errorMessage(error)}${code}\n`);
    return isUsageError(error) ? EXIT_USAGE : EXIT_FAIL;
  } finally {
    await rehearsal?.close();
  }
}

/** Prints how to poke the running emulators by hand (secrets go to a 0600 file, never to the terminal). */
async function keepRunning(
  rehearsal: {
    urls: { api: string; entra: string; github: string };
    secrets: { requestUrl: string; requestToken: string; tokenEndpoint: string; clientId: string; scope: string };
  },
  out: CliStream,
  signal: AbortSignal | undefined,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'entra-api-guard-keep-'));
  const file = join(dir, 'env.sh');
  writeFileSync(
    file,
    [
      `export ACTIONS_ID_TOKEN_REQUEST_URL='${rehearsal.secrets.requestUrl}'`,
      `export ACTIONS_ID_TOKEN_REQUEST_TOKEN='${rehearsal.secrets.requestToken}'`,
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o600);
  const { api } = rehearsal.urls;
  const s = rehearsal.secrets;
  out.write(
    [
      '',
      'The emulators stay up until Ctrl-C. Try them:',
      `  curl -i ${api}/hello                                   # 401: no token`,
      `  source ${file}`,
      `  GH=$(curl -s -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange" | node -pe 'JSON.parse(require("fs").readFileSync(0)).value')`,
      `  AT=$(curl -s ${s.tokenEndpoint} -d grant_type=client_credentials -d client_id=${s.clientId} --data-urlencode scope=${s.scope} -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer -d client_assertion=$GH | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
      `  curl -i -H "Authorization: Bearer $AT" ${api}/hello     # 200 with the caller's claims`,
      '',
    ].join('\n'),
  );
  try {
    await new Promise<void>((resolve) => {
      if (!signal || signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    // The request token in it is only good while the emulators run; leave nothing behind.
    rmSync(dir, { recursive: true, force: true });
  }
}
