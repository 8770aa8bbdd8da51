import { errorMessage } from '../errors';
import { EXIT_FAIL, EXIT_PASS, EXIT_USAGE, type CliCommand, type CliEnv, type CliIo } from './io';
import { isUsageError, parseFlags, parseUsage } from './args';
import { projectDir } from './project';

export const SYNTH_HELP = `Usage: entra-api-guard synth [options]

Synthesizes the identity and gateway stacks in-process into the cdktf synth layout
(<out>/manifest.json, <out>/stacks/<name>/cdk.tf.json). No cdktf-cli needed.

  --out DIR        output folder (default cdktf.out, or CDKTF_OUTDIR)
  --config FILE    JSON config layered over cdktf.json's context (default ENTRA_API_GUARD_CONFIG)
  --dir DIR        project folder with cdktf.json (default: here)
  --json           print the synthesized stacks as JSON
  -h, --help       this help
`;

const FLAGS = {
  out: { type: 'string' },
  config: { type: 'string' },
  dir: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const synthCommand: CliCommand = {
  summary: 'synthesize the identity and gateway stacks (cdktf synth layout, in-process)',
  async run(argv: readonly string[], env: CliEnv, io: CliIo): Promise<number> {
    const parsed = parseUsage('synth', io, () => {
      const flags = parseFlags(argv, FLAGS);
      return { flags, root: flags.help ? '' : projectDir(flags.dir, env['PWD'] ?? process.cwd()) };
    });
    if (!parsed) return EXIT_USAGE;
    const { flags, root } = parsed;
    if (flags.help) {
      io.stdout.write(SYNTH_HELP);
      return EXIT_PASS;
    }
    const started = Date.now();
    try {
      // Loaded on use (require keeps it lazy after transpiling): cdktf only to synthesize.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { loadConfig } = require('../../stacks/config') as typeof import('../../stacks/config');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { synthesize } = require('../../stacks/synth') as typeof import('../../stacks/synth');
      const config = loadConfig({ cwd: root, env, ...(flags.config ? { configFile: flags.config } : {}) });
      const result = synthesize(config, flags.out ?? env['CDKTF_OUTDIR'] ?? 'cdktf.out');
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        for (const stack of result.stacks) {
          for (const warning of stack.warnings) io.stderr.write(`warning: ${stack.name}: ${warning}\n`);
          io.stdout.write(`synthesized ${stack.name} → ${stack.workingDirectory}/cdk.tf.json\n`);
        }
        io.stdout.write(`done in ${Date.now() - started} ms (profile ${config.profile}, cloud ${config.cloud}, token v${config.tokenVersion})\n`);
      }
      return EXIT_PASS;
    } catch (error) {
      io.stderr.write(`error: ${errorMessage(error)}\n`);
      return isUsageError(error) ? EXIT_USAGE : EXIT_FAIL;
    }
  },
};
