/**
 * `npm run docs:action [-- ROOT]`: rewrites what is generated from the two action.yml files, the README's marked
 * input and output tables and .env.example. A test (test/readme.test.ts) fails when either is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { envExample, readManifest, readmeSection } from './manifest';

export interface GeneratedFile {
  /** Relative to the repository. */
  readonly file: string;
  /** What the file must hold. */
  readonly text: string;
}

/** README.md with every marked table regenerated, and .env.example. */
export function generatedFiles(root: string): GeneratedFile[] {
  const main = readManifest(root, 'main');
  const verify = readManifest(root, 'verify');
  let readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const manifest of [main, verify]) {
    for (const kind of ['inputs', 'outputs'] as const) readme = replaceSection(readme, readmeSection(kind, manifest));
  }
  return [
    { file: 'README.md', text: readme },
    { file: '.env.example', text: envExample(main, verify) },
  ];
}

/** `text` with what lies between the markers replaced by `body`; both markers must be there, once. */
export function replaceSection(text: string, section: { readonly start: string; readonly end: string; readonly body: string }): string {
  const start = text.indexOf(section.start);
  const end = text.indexOf(section.end);
  if (start < 0 || end < start || text.indexOf(section.start, start + 1) >= 0) {
    throw new Error(`README.md: expected the markers ${section.start} and ${section.end} once each, in that order (add them where the table belongs)`);
  }
  return `${text.slice(0, start + section.start.length)}\n${section.body}\n${text.slice(end)}`;
}

if (require.main === module) {
  // The repository, or another checkout of it given as the one argument.
  const root = process.argv[2] ?? join(__dirname, '..');
  try {
    for (const { file, text } of generatedFiles(root)) writeFileSync(join(root, file), text);
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
  }
}
