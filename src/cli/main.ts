import { EXIT_USAGE, type CliCommand, type CliEnv, type CliIo } from './io';
import { auditCommand } from './audit';
import { deployCommand } from './deploy';
import { localCommand } from './local';
import { synthCommand } from './synth';
import { verifyCommand } from './verify';

/** Subcommands by name; registering one is one line here. */
const COMMANDS: Record<string, CliCommand> = {
  local: localCommand,
  synth: synthCommand,
  deploy: deployCommand,
  verify: verifyCommand,
  audit: auditCommand,
};

/**
 * The `entra-api-guard` CLI. `argv` are the arguments after the program name
 * (`process.argv.slice(2)`); env and streams are passed in. Resolves to the exit code:
 * 0 pass, 1 fail, 2 usage error.
 */
export async function main(argv: readonly string[], env: CliEnv, io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(topLevelHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr.write(`error: command: got ${JSON.stringify(name)}; expected one of ${Object.keys(COMMANDS).join(', ')} (see entra-api-guard --help)\n`);
    return EXIT_USAGE;
  }
  return command.run(rest, env, io);
}

function topLevelHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return ['Usage: entra-api-guard <command> [options]', '', 'Commands:', ...lines, '', 'Run entra-api-guard <command> --help for its options.', ''].join('\n');
}
