import { ATTACKS } from './registry';

/** The README's attack table (attack, what it sends, what acceptance would mean, reference), from the registry. */
export function attackTableMarkdown(): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|');
  return [
    '| attack | what the probe sends | what acceptance would mean | reference |',
    '|---|---|---|---|',
    ...ATTACKS.map((a) => `| \`${a.code}\` | ${cell(a.title)} | ${cell(a.acceptance)} | ${cell(a.reference)} |`),
  ].join('\n');
}
