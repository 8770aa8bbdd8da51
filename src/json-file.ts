import { readFileSync } from 'node:fs';

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
