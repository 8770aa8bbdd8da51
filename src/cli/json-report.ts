import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { GuardError, InvalidInputError, errorMessage } from '../errors';
import { writePrivateFileAtomic } from '../json-file';
import { EXIT_FAIL, EXIT_USAGE, type CliStream } from './io';

/** One JSON document, pretty-printed, with a final newline. */
export function jsonText(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** What --json prints and --report holds when there is no report: never a token (the streams redact too). */
export function errorDocument(error: unknown): { pass: false; error: { code: string; message: string } } {
  return { pass: false, error: { code: error instanceof GuardError ? error.code : 'ERR_UNEXPECTED', message: errorMessage(error) } };
}

/** --report (or --sarif) must name a file in an existing folder: checked before any token is fetched or request sent. */
export function checkOutputPath(path: string, flag = '--report', example = 'gate-report.json'): void {
  const folder = statSync(dirname(path), { throwIfNoEntry: false });
  if (!folder?.isDirectory()) throw new InvalidInputError(flag, path, `a file in an existing folder (${dirname(path)} is not one)`);
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new InvalidInputError(flag, path, `a file path, not a folder, e.g. ${example}`);
}

/** Writes a document as a 0600 JSON file, whole or not at all, redacted; false (with one line) when it could not be written. */
export function writeDocumentFile(
  flag: string,
  path: string,
  document: unknown,
  options: { stderr: CliStream; redact: (text: string) => string; red: (text: string) => string },
): boolean {
  try {
    writePrivateFileAtomic(path, options.redact(jsonText(document)));
    return true;
  } catch (error) {
    options.stderr.write(`${options.red('error')}: ${flag}: could not write ${path}: ${errorMessage(error)}\n`);
    return false;
  }
}

/**
 * The one result document of a command: on stdout with --json, and in the --report file (0600, whole
 * or not at all). Returns false when the file could not be written (the command then fails).
 */
export function documentPublisher(options: {
  json: boolean;
  report?: string;
  stdout: CliStream;
  stderr: CliStream;
  redact: (text: string) => string;
  red: (text: string) => string;
}): (document: unknown) => boolean {
  return (document) => {
    if (options.json) options.stdout.write(jsonText(document));
    return options.report === undefined || writeDocumentFile('--report', options.report, document, options);
  };
}

/**
 * A usage error while reading a command's flags: one line naming the flag, and with --json the one
 * document still printed. Returns the usage exit code (2). Anything else is a bug and propagates.
 */
export function usageError(command: string, error: unknown, argv: readonly string[], streams: { stdout: CliStream; stderr: CliStream }): number {
  if (!(error instanceof InvalidInputError)) throw error;
  streams.stderr.write(`error: ${error.message} (see entra-api-guard ${command} --help)\n`);
  if (argv.includes('--json')) streams.stdout.write(jsonText(errorDocument(error)));
  return EXIT_USAGE;
}

/** A command that failed after its flags were read: one line (with the error's code), the error document, exit 2 for a user's mistake, else 1. */
export function commandFailed(
  command: string,
  error: unknown,
  options: { stderr: CliStream; publish: (document: unknown) => boolean; red: (text: string) => string },
): number {
  const usage = error instanceof InvalidInputError;
  if (usage) options.stderr.write(`error: ${error.message} (see entra-api-guard ${command} --help)\n`);
  else options.stderr.write(`${options.red('error')}: ${errorMessage(error)}${error instanceof GuardError ? ` [${error.code}]` : ''}\n`);
  options.publish(errorDocument(error));
  return usage ? EXIT_USAGE : EXIT_FAIL;
}
