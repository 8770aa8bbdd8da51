import { join } from 'node:path';
import { GuardError, InvalidInputError, errorMessage } from '../errors';
import { EXIT_FAIL, EXIT_PASS, EXIT_USAGE, type CliCommand, type CliEnv, type CliIo } from './io';
import { parseDuration } from '../contract/input-values';
import { isUsageError, oneOf, parseFlags, parseUsage } from './args';
import { projectDir } from './project';

export const DEPLOY_HELP = `Usage: entra-api-guard deploy [options]

Synthesizes the stacks and deploys them with plain terraform or tofu, in dependency order (identity,
then gateway, which receives the identity's api_client_id), and prints the outputs.

  --mode apply|plan|destroy     (default apply)
  --stacks LIST                 only these stacks, comma-separated (identity, gateway)
  --terraform BIN               terraform or tofu (default terraform)
  --lock-timeout DURATION       wait this long for another run's state lock (default 5m)
  --var STACK.NAME=VALUE        a terraform variable, repeatable (e.g. gateway.api_client_id=<guid>)
  --allow-local-backend         accept local state in CI (it is lost with the runner)
  --app CMD                     deploy your own cdktf app instead of ours: its synth command, or
                                "auto" for cdktf.json's app (run with CDKTF_OUTDIR, as cdktf synth does)
  --config FILE                 JSON config layered over cdktf.json's context
  --out DIR                     synth folder (default cdktf.out)
  --dir DIR                     project folder with cdktf.json (default: here)
  --json                        print the outputs as JSON
  -h, --help                    this help

Exit status: 0 done, 1 terraform failure, 2 usage or config error.
`;

const FLAGS = {
  mode: { type: 'string' },
  stacks: { type: 'string' },
  terraform: { type: 'string' },
  'lock-timeout': { type: 'string' },
  var: { type: 'string', multiple: true },
  'allow-local-backend': { type: 'boolean' },
  app: { type: 'string' },
  config: { type: 'string' },
  out: { type: 'string' },
  dir: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const deployCommand: CliCommand = {
  summary: 'synthesize and deploy the stacks with terraform or tofu (plan, apply, destroy)',
  async run(argv: readonly string[], env: CliEnv, io: CliIo): Promise<number> {
    const parsed = parseUsage('deploy', io, () => {
      const flags = parseFlags(argv, FLAGS);
      const mode = oneOf('--mode', flags.mode, ['apply', 'plan', 'destroy'] as const, 'apply');
      const variables = parseVars(flags.var ?? []);
      if (flags.app !== undefined && flags.config !== undefined)
        throw new InvalidInputError('--app', flags.app, 'either --app (your own cdktf app) or --config (ours), not both');
      const lockTimeout = parseDuration('--lock-timeout', flags['lock-timeout'] ?? '', '5m');
      const root = flags.help ? '' : projectDir(flags.dir, env['PWD'] ?? process.cwd());
      return { flags, mode, variables, lockTimeout, root };
    });
    if (!parsed) return EXIT_USAGE;
    const { flags, mode, variables, lockTimeout, root } = parsed;
    if (flags.help) {
      io.stdout.write(DEPLOY_HELP);
      return EXIT_PASS;
    }
    try {
      // Loaded on use (require keeps it lazy after transpiling): terraform's runner only to deploy.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { deployStacks, plainLog, synthUserApp } = require('../deploy') as typeof import('../deploy');
      let outdir = flags.out ?? join(root, 'cdktf.out');
      if (flags.app !== undefined) {
        await synthUserApp({ cwd: root, ...(flags.app === 'auto' ? {} : { command: flags.app }), outdir, env, onLine: (l) => void io.stderr.write(`${l}\n`) });
      } else {
        // Our own stacks, synthesized in-process (cdktf is loaded only here).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { loadConfig } = require('../../stacks/config') as typeof import('../../stacks/config');
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { synthesize } = require('../../stacks/synth') as typeof import('../../stacks/synth');
        const config = loadConfig({ cwd: root, env, ...(flags.config ? { configFile: flags.config } : {}) });
        outdir = synthesize(config, outdir).outdir;
      }
      const result = await deployStacks({
        outdir,
        mode,
        ...(flags.stacks
          ? {
              stacks: flags.stacks
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            }
          : {}),
        binary: flags.terraform ?? 'terraform',
        lockTimeout,
        env,
        ci: env['CI'] === 'true' || env['CI'] === '1',
        allowLocalBackend: flags['allow-local-backend'] ?? false,
        variables,
        log: plainLog((line) => void io.stderr.write(`${line}\n`)),
      });
      if (flags.json)
        io.stdout.write(
          `${JSON.stringify({ mode, stacks: result.stacks.map(({ name, changed }) => ({ name, changed })), outputs: result.outputs }, null, 2)}\n`,
        );
      else {
        for (const stack of result.stacks) io.stdout.write(`${mode} ${stack.name}: ${stack.changed ? 'changed' : 'no changes'}\n`);
        for (const [key, value] of Object.entries(result.outputs)) io.stdout.write(`  ${key} = ${Array.isArray(value) ? value.join(', ') : String(value)}\n`);
      }
      return EXIT_PASS;
    } catch (error) {
      io.stderr.write(`error: ${errorMessage(error)}${error instanceof GuardError ? ` [${error.code}]` : ''}\n`);
      const detail = (error as { detail?: string }).detail;
      if (detail) io.stderr.write(`${detail}\n`);
      return isUsageError(error) ? EXIT_USAGE : EXIT_FAIL;
    }
  },
};

function parseVars(values: readonly string[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const value of values) {
    const match = /^([A-Za-z0-9_-]+)\.([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(value);
    if (!match) throw new InvalidInputError('--var', value, 'STACK.NAME=VALUE, e.g. gateway.api_client_id=6a1b2c3d-…');
    (out[match[1]!] ??= {})[match[2]!] = match[3]!;
  }
  return out;
}
