import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The README, which its tests run and compare (test/readme.test.ts, test/readme-deploy.test.ts). */
export const README = readFileSync(join(__dirname, '../../README.md'), 'utf8');

/** The README's fenced blocks of a language, with their text. */
export function readmeBlocks(lang: string): string[] {
  return [...README.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}
