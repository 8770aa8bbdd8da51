import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Reads and parses a JSON file; a missing, unreadable or malformed file becomes the caller's own
 * one-line error (`makeError(reason)`), never a raw ENOENT or SyntaxError.
 */
export function readJsonFile(path: string, makeError: (reason: string, kind: 'unreadable' | 'invalid') => Error): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw makeError((error as NodeJS.ErrnoException).code === 'ENOENT' ? `no file at ${path}` : `${path} could not be read`, 'unreadable');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw makeError(`${path} is not valid JSON (${(error as Error).message})`, 'invalid');
  }
}

/**
 * Writes `text` so that `path` is either whole or untouched: a private (0600) temp file in the same
 * folder, then a rename over the target. A failure removes the temp file and is re-thrown.
 */
export function writePrivateFileAtomic(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
