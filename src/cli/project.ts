import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidInputError } from '../errors';

/**
 * The folder whose cdktf.json / config the command uses: `--dir`, else the current folder when it is a
 * cdktf project, else this package's own sample project (so `npx entra-api-guard local` works anywhere).
 */
export function projectDir(dir: string | undefined, cwd: string): string {
  if (dir !== undefined) {
    const root = resolve(cwd, dir);
    // Otherwise a typo surfaces later as a config error about a key, far from its cause.
    if (!existsSync(root) || !statSync(root).isDirectory()) throw new InvalidInputError('--dir', dir, `an existing project folder (${root} does not exist)`);
    return root;
  }
  if (existsSync(join(cwd, 'cdktf.json'))) return cwd;
  return packageRoot();
}

/** This package's root (works from src/ under ts-node and from dist/src/ once built). */
export function packageRoot(fallback = __dirname): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'cdktf.json'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) return fallback;
    dir = parent;
  }
  return dir;
}
