import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A value that must never be written anywhere; `label` says what it is and is safe to print. */
export interface Secret {
  readonly label: string;
  readonly value: string;
}

/** Where a secret (or a recognisable part of it) was found. Never holds the secret itself. */
export interface Leak {
  readonly secret: string;
  /** `segment`: a piece of 16+ characters between separators (a JWT's header, payload or signature). */
  readonly part: 'whole' | 'segment';
  readonly where: string;
}

interface Needle {
  readonly label: string;
  readonly part: Leak['part'];
  readonly bytes: Buffer;
}

/** Folders that hold only downloaded binaries (providers, node builds): no flow writes tokens there. */
const SKIPPED_FOLDERS = new Set(['.terraform', 'node_modules', 'entra-api-guard-node24', 'entra-api-guard-provider-cache']);
const MAX_FILE_BYTES = 20 * 1024 * 1024;

/** Pieces this long or longer count as the secret (src/redact.ts hides any run of this many characters). */
const SEGMENT = 16;

/**
 * Looks for secrets in strings and files: whole, and by every segment of 16+ characters between
 * separators (`.`, whitespace, `:`, `,`, `;`). A JWT cut in halves — the forged-known-kid probe carries
 * the real header.payload, the tampered-payload probe the real signature — still leaks the token.
 */
export class LeakScanner {
  private readonly needles: Needle[] = [];
  private readonly seen = new Set<string>();
  /** What was scanned, for the report. */
  readonly scanned = { texts: 0, files: 0, textFiles: 0, bytes: 0, skippedLarge: 0 };

  add(secret: Secret): void {
    if (secret.value.length < 8) throw new TypeError(`LeakScanner: secret "${secret.label}" is too short to scan for without false hits`);
    if (this.seen.has(secret.value)) return;
    this.seen.add(secret.value);
    this.needles.push({ label: secret.label, part: 'whole', bytes: Buffer.from(secret.value) });
    const segments = new Set(secret.value.split(/[\s.:,;]+/).filter((s) => s.length >= SEGMENT && s !== secret.value));
    for (const segment of segments) this.needles.push({ label: secret.label, part: 'segment', bytes: Buffer.from(segment) });
  }

  get secretCount(): number {
    return this.seen.size;
  }

  /** How many distinct secrets of each label are being looked for. */
  countsByLabel(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const needle of this.needles) if (needle.part === 'whole') counts[needle.label] = (counts[needle.label] ?? 0) + 1;
    return counts;
  }

  scanText(where: string, text: string): Leak[] {
    this.scanned.texts += 1;
    this.scanned.bytes += Buffer.byteLength(text);
    return this.find(where, Buffer.from(text));
  }

  /** Every file under `root` (recursively, symlinks not followed), binary or not. */
  scanTree(root: string): Leak[] {
    const leaks: Leak[] = [];
    const visit = (path: string): void => {
      let stat;
      try {
        stat = lstatSync(path);
      } catch {
        return; // removed while we looked (another process's temp file)
      }
      if (stat.isSymbolicLink()) return;
      if (stat.isDirectory()) {
        if (SKIPPED_FOLDERS.has(path.split('/').pop() ?? '')) return;
        let entries: string[];
        try {
          entries = readdirSync(path);
        } catch {
          return;
        }
        for (const entry of entries) visit(join(path, entry));
        return;
      }
      if (!stat.isFile()) return;
      if (stat.size > MAX_FILE_BYTES) {
        this.scanned.skippedLarge += 1;
        return;
      }
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch {
        return;
      }
      this.scanned.files += 1;
      if (!bytes.subarray(0, 8192).includes(0)) this.scanned.textFiles += 1;
      this.scanned.bytes += bytes.length;
      leaks.push(...this.find(path, bytes));
    };
    visit(root);
    return leaks;
  }

  private find(where: string, haystack: Buffer): Leak[] {
    const leaks: Leak[] = [];
    for (const needle of this.needles) {
      if (haystack.includes(needle.bytes)) leaks.push({ secret: needle.label, part: needle.part, where });
    }
    return leaks;
  }
}

/** JSON answers of token endpoints carry `access_token` (Entra) or `value` (GitHub's ID-token endpoint). */
export function tokensInAnswer(body: string): Secret[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return [];
  }
  if (!json || typeof json !== 'object') return [];
  const record = json as Record<string, unknown>;
  const found: Secret[] = [];
  if (typeof record['access_token'] === 'string') found.push({ label: 'Entra access token', value: record['access_token'] });
  if (typeof record['value'] === 'string') found.push({ label: 'GitHub OIDC token', value: record['value'] });
  return found;
}

/** A fetch that hands every token a flow receives to `sink` (the flow still gets the untouched answer). */
export function recordingFetch(base: typeof fetch, sink: (secret: Secret) => void): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (/\/oauth2\/v2\.0\/token|\/_apis\/token/.test(url)) {
      for (const secret of tokensInAnswer(await response.clone().text())) sink(secret);
    }
    return response;
  };
}
