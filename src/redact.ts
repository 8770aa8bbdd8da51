/**
 * What counts as a leak, in one place. A secret leaks when any run of {@link SECRET_RUN} or more of its
 * characters is printed, not only when all of it is: the forged-known-kid probe carries the real
 * header.payload and the tampered-payload probe the real signature, so an API that echoes both
 * gives the token back in two halves. Untrusted text (an API's headers, a tool's errors) is quoted
 * only through {@link quoteUntrusted}, which also drops what could break out of a log line, a shell
 * string or a Markdown table.
 */

/** The shortest run of a secret's characters that counts as the secret. */
export const SECRET_RUN = 16;
/** Shorter secrets are matched whole, down to this length (below it, words like `Bearer` would go). */
const MIN_WHOLE = 8;
const REDACTED = '[redacted]';

/** Remembers secrets and hides any run of 16+ of their characters (or a shorter secret whole) in text. */
export class Redactor {
  private readonly runs = new Set<string>();
  private readonly short = new Set<string>();

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const secret of secrets) this.add(secret);
  }

  add(secret: string | undefined): void {
    if (secret === undefined) return;
    if (secret.length < SECRET_RUN) {
      if (secret.length >= MIN_WHOLE) this.short.add(secret);
      return;
    }
    for (let i = 0; i + SECRET_RUN <= secret.length; i++) this.runs.add(secret.slice(i, i + SECRET_RUN));
  }

  get empty(): boolean {
    return this.runs.size === 0 && this.short.size === 0;
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.short) out = out.split(secret).join(REDACTED);
    if (this.runs.size === 0 || out.length < SECRET_RUN) return out;
    // Mark every window that is a run of some secret; overlapping windows merge into one range.
    const ranges: [number, number][] = [];
    for (let i = 0; i + SECRET_RUN <= out.length; i++) {
      if (!this.runs.has(out.slice(i, i + SECRET_RUN))) continue;
      const last = ranges[ranges.length - 1];
      if (last && i <= last[1]) last[1] = i + SECRET_RUN;
      else ranges.push([i, i + SECRET_RUN]);
    }
    if (ranges.length === 0) return out;
    let result = '';
    let from = 0;
    for (const [start, end] of ranges) {
      result += out.slice(from, start) + REDACTED;
      from = end;
    }
    return result + out.slice(from);
  }
}

/**
 * The values to hand GitHub's `add-mask` for one secret. The runner masks the log line by line, so a
 * secret with a line break is masked only through its lines; and each separated segment of 16+
 * characters (a JWT's header, payload and signature) is masked too, so half a token is hidden as well.
 */
export function maskableParts(secret: string): string[] {
  const parts = new Set<string>();
  if (secret.trim() !== '') parts.add(secret);
  for (const line of secret.split(/\r\n|\r|\n/)) if (line.trim() !== '') parts.add(line.trim());
  for (const segment of secret.split(/[\s.:,;]+/)) if (segment.length >= SECRET_RUN) parts.add(segment);
  return [...parts];
}

/**
 * The `::add-mask::` workflow commands for one secret (see {@link maskableParts}), escaped as the
 * toolkit escapes command data. The runner reads workflow commands from a step's stdout and stderr
 * alike (actions/runner ScriptHandler/OutputManager), so a CLI may write them to stderr and keep
 * stdout for its JSON.
 */
export function maskCommands(secret: string): string[] {
  return maskableParts(secret).map((part) => `::add-mask::${part.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}`);
}

// C0 and C1 controls, line and paragraph separators, bidi overrides and isolates.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const QUOTES = /["'`]/g;
// The runner's legacy workflow-command form, `##[command]data`, is honoured anywhere in a line of a
// step's stdout or stderr (actions/runner ActionCommand.TryParse); the `::` form only at a line's start.
const LEGACY_COMMAND = /#{2,}\[/g;

export interface QuoteOptions {
  /** @default 300 */
  readonly max?: number;
  /** Keep quote characters (for prose that is never put into outputs, such as Entra's error text). @default false */
  readonly keepQuotes?: boolean;
}

/**
 * Untrusted text (an API's response header, a server's error) made safe to print anywhere: control
 * characters and quotes dropped, no workflow command left in it, every secret the redactor knows
 * hidden, at most `max` characters.
 */
export function quoteUntrusted(value: string, redactor: Redactor, options: QuoteOptions = {}): string {
  const max = options.max ?? 300;
  let text = value.replace(CONTROLS, '');
  if (!options.keepQuotes) text = text.replace(QUOTES, '');
  text = text.replace(LEGACY_COMMAND, '#[');
  // Redacted after stripping: characters slipped between a token's pieces cannot hide it.
  text = redactor.redact(text);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
