import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Where `command` would be found on `env.PATH` (or the command itself when it names a path), or
 * undefined. A plain look-up with no shell and no child process, so it is cheap enough to run before
 * anything starts.
 */
export function findOnPath(command: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const candidates = command.includes('/')
    ? [command]
    : (env['PATH'] ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  return candidates.find(isExecutableFile);
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
