import type { GetIdToken } from '../token/request-id-token';

/** Something to write text to (process.stdout, or a buffer in tests). */
export interface CliStream {
  write(text: string): unknown;
  /** Colour is used only when this is true. */
  readonly isTTY?: boolean;
}

/** Everything a command touches outside itself, passed in so tests run it in-process. */
export interface CliIo {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  /** @default `@actions/core` getIDToken (which reads ACTIONS_ID_TOKEN_REQUEST_* from process.env) */
  readonly getIDToken?: GetIdToken;
  /** Called with every token the moment it exists. @default `core.setSecret` on GitHub Actions, else nothing */
  readonly mask?: (secret: string) => void;
  readonly fetch?: typeof fetch;
  /** Aborted on Ctrl-C (SIGINT/SIGTERM) by the bin; long-running commands stop cleanly. */
  readonly signal?: AbortSignal;
}

export type CliEnv = Readonly<Record<string, string | undefined>>;

/** A subcommand: `run` gets the arguments after its name and returns the exit code. */
export interface CliCommand {
  /** One line for the top-level help. */
  readonly summary: string;
  run(args: readonly string[], env: CliEnv, io: CliIo): Promise<number>;
}

export const EXIT_PASS = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;
/** Stopped by SIGINT (Ctrl-C); the bin turns it into 143 for SIGTERM, as shells report 128 + signal. */
export const EXIT_INTERRUPTED = 130;

/** Minimal ANSI colouring, on only for terminals (and never with NO_COLOR set). */
export function colours(
  stream: CliStream,
  env: CliEnv,
): { red(s: string): string; green(s: string): string; yellow(s: string): string; dim(s: string): string } {
  const on = stream.isTTY === true && env['NO_COLOR'] === undefined;
  const wrap = (code: number) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { red: wrap(31), green: wrap(32), yellow: wrap(33), dim: wrap(2) };
}
