import { Redactor, maskCommands } from '../redact';
import type { CliEnv, CliIo, CliStream } from './io';

/** The CLI's streams and mask, wired so that no secret it learns of can be printed. */
export interface SecretOutput {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  /** Call with every secret the moment it exists. */
  mask(secret: string): void;
  /** For what does not go through the streams (a report file). */
  redact(text: string): string;
}

/**
 * Every secret handed to `mask` is redacted from all the command prints afterwards (any run of 16 of
 * its characters), and on a GitHub runner it is masked with `::add-mask::` lines on **stderr**: the
 * runner reads workflow commands from a step's stderr as from its stdout (actions/runner
 * ScriptHandler wires both to its OutputManager), and stdout stays clean for `--json`.
 */
export function secretOutput(io: CliIo, env: CliEnv): SecretOutput {
  const redactor = new Redactor();
  const toRunner = (secret: string): void => {
    for (const line of maskCommands(secret)) io.stderr.write(`${line}\n`);
  };
  const runnerMask = io.mask ?? (env['GITHUB_ACTIONS'] === 'true' ? toRunner : () => undefined);
  const redacting = (stream: CliStream): CliStream => ({
    write: (text: string) => stream.write(redactor.redact(text)),
    ...(stream.isTTY !== undefined ? { isTTY: stream.isTTY } : {}),
  });
  return {
    stdout: redacting(io.stdout),
    stderr: redacting(io.stderr),
    mask(secret) {
      redactor.add(secret);
      runnerMask(secret);
    },
    redact: (text) => redactor.redact(text),
  };
}
