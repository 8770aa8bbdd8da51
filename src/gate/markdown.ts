/**
 * Markdown for GitHub's job summary from text we do not control (the API's answers, terraform's
 * errors, claims). Nothing such text holds may become a link, an image, HTML, a table column or the
 * end of a fenced block.
 */

/** GitHub's limit on one step's job summary: 1 MiB. */
export const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024;

/**
 * Untrusted text as an inline code span, where Markdown, HTML and autolinks are inert: one line, no
 * backticks (a backtick would end the span), `|` escaped so a table row keeps its columns, at most
 * `max` characters.
 */
export function mdCode(text: string, max = 300): string {
  const line = clip(text.replace(/\s+/g, ' ').trim(), max).replace(/`/g, "'").replace(/\|/g, '\\|');
  return line === '' ? '(empty)' : `\`${line}\``;
}

/**
 * Our own prose that quotes values (fix texts naming routes and claims): one line, every Markdown
 * punctuation character and HTML bracket escaped, `|` too.
 */
export function mdText(text: string, max = 1000): string {
  return clip(text.replace(/\s+/g, ' ').trim(), max)
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * Untrusted multi-line text as a fenced block: the fence is longer than any backtick run inside it,
 * so nothing inside can close it early. At most `maxLines` lines.
 */
export function mdFence(text: string, lang = 'text', maxLines = 80): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const shown = lines.length > maxLines ? [...lines.slice(0, maxLines), `… ${lines.length - maxLines} more lines`] : lines;
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${shown.join('\n')}\n${fence}`;
}

/**
 * Cuts Markdown at a line boundary so it fits in `limitBytes` (UTF-8) with `note` at the end, and
 * closes a fenced block the cut left open. Unchanged when it fits.
 */
export function truncateMarkdown(markdown: string, limitBytes: number, note: (shownBytes: number, totalBytes: number) => string): string {
  const total = Buffer.byteLength(markdown, 'utf8');
  if (total <= limitBytes) return markdown;
  // Room for the note, a closing fence and the blank lines around them.
  const budget = limitBytes - Buffer.byteLength(note(total, total), 'utf8') - 64;
  const kept: string[] = [];
  let used = 0;
  let openFence: string | undefined;
  for (const line of markdown.split('\n')) {
    const size = Buffer.byteLength(line, 'utf8') + 1;
    if (used + size + (openFence?.length ?? 0) + 1 > budget) break;
    kept.push(line);
    used += size;
    const fence = /^(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      if (openFence === undefined) openFence = fence;
      else if (fence[0] === openFence[0] && fence.length >= openFence.length && line.trim() === fence) openFence = undefined;
    }
  }
  if (openFence !== undefined) kept.push(openFence);
  return `${kept.join('\n')}\n\n${note(used, total)}\n`;
}

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}
