import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT } from './prepare';

/** What a clone has that the build and installs do not write. */
const NOT_SOURCES = new Set(['.git', 'node_modules', 'dist', 'coverage']);

export interface ProjectCopy {
  readonly dir: string;
  remove(): void;
}

/**
 * A throw-away copy of the checkout's sources (node_modules linked, no dist/), for a test that runs a
 * command which builds — `npm start`, `npm pack`, `cdktf synth`, a `--app` that runs cdktf.json's app —
 * as a fresh clone would: its build writes into the copy's dist/, never into the dist/ that the
 * other test files run at the same time.
 */
export function projectCopy(): ProjectCopy {
  const dir = mkdtempSync(join(tmpdir(), 'project-copy-'));
  cpSync(ROOT, dir, { recursive: true, filter: (source) => !NOT_SOURCES.has(relative(ROOT, source).split('/')[0]!) });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
