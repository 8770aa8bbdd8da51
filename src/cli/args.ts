import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidInputError } from '../errors';

/** Parses a subcommand's flags strictly; unknown flags and missing values become one-line usage errors. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: T): ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: false }>>['values'] {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const message = (error as Error).message;
    const flag = /'(--?[\w-]+)/.exec(message)?.[1] ?? argv.join(' ');
    if (/Unknown option/.test(message)) throw new InvalidInputError('option', flag, `one of ${Object.keys(options).map((o) => `--${o}`).join(', ')}`);
    if (/argument missing/.test(message)) throw new InvalidInputError(flag, undefined, 'a value after the flag');
    if (/argument is ambiguous/.test(message)) {
      const value = argv[argv.indexOf(flag) + 1];
      throw new InvalidInputError(flag, value, `a value; to pass one starting with a dash write ${flag}=${value ?? '-…'}`);
    }
    throw new InvalidInputError('arguments', argv.join(' '), message);
  }
}

export function oneOf<T extends string>(key: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidInputError(key, value, `one of ${allowed.join(', ')}`);
}

export function wholeNumber(key: string, value: string | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new InvalidInputError(key, value, `a whole number from ${min} to ${max}`);
  return Number(value);
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
