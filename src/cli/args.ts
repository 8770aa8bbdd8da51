import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseChoice, parseInteger } from '../contract/input-values';
import { InvalidInputError } from '../errors';

/** Parses a subcommand's flags strictly; unknown flags and missing values become one-line usage errors. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: T,
): ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: false }>>['values'] {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const message = (error as Error).message;
    const flag = /'(--?[\w-]+)/.exec(message)?.[1] ?? argv.join(' ');
    if (/Unknown option/.test(message))
      throw new InvalidInputError(
        'option',
        flag,
        `one of ${Object.keys(options)
          .map((o) => `--${o}`)
          .join(', ')}`,
      );
    if (/argument missing/.test(message)) throw new InvalidInputError(flag, undefined, 'a value after the flag');
    if (/argument is ambiguous/.test(message)) {
      const value = argv[argv.indexOf(flag) + 1];
      throw new InvalidInputError(flag, value, `a value; to pass one starting with a dash write ${flag}=${value ?? '-…'}`);
    }
    throw new InvalidInputError('arguments', argv.join(' '), message);
  }
}

/** A flag that must be one of a closed set (the shared parser; an absent flag gives the default). */
export function oneOf<T extends string>(key: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  return parseChoice(key, value ?? '', allowed, fallback);
}

/** A whole number of seconds in a range (the shared parser; an absent flag gives the default). */
export function wholeSeconds(key: string, value: string | undefined, min: number, max: number, fallback: number): number {
  return parseInteger(key, value ?? '', { min, max, fallback, unit: 'seconds' });
}

/** Codes of a user's mistake in the config (a key, or a backend CI cannot keep). */
const CONFIG_ERROR_CODES: ReadonlySet<unknown> = new Set(['ERR_INVALID_CONFIG', 'ERR_LOCAL_BACKEND_IN_CI']);

/** A user's mistake in flags or config (exit 2), as opposed to a failure of the work itself (exit 1). */
export function isUsageError(error: unknown): boolean {
  return error instanceof InvalidInputError || CONFIG_ERROR_CODES.has((error as { code?: unknown } | null)?.code);
}

/**
 * Runs a command's argument parsing. A user's mistake (InvalidInputError) becomes one usage line on
 * stderr and `undefined` (the caller returns exit 2); anything else is a bug and propagates.
 */
export function parseUsage<T>(command: string, io: { stderr: { write(text: string): unknown } }, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    io.stderr.write(`error: ${error.message} (see entra-api-guard ${command} --help)\n`);
    return undefined;
  }
}
