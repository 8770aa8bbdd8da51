import { checkUrlInput, isLoopbackHost } from './urls';
import { HTTP_METHODS, type HttpMethod } from './routes';
import { isGuid } from './values';
import { InvalidInputError } from '../errors';

/**
 * Strict parsers for single user inputs — action inputs and CLI flags alike, so both accept and refuse
 * the same values. Each takes the input's name and its raw text, and throws an InvalidInputError whose
 * one-line message starts with that name. An empty value gives the default.
 */

const TRUE = new Set(['true', 'True', 'TRUE']);
const FALSE = new Set(['false', 'False', 'FALSE']);

export function parseBoolean(name: string, raw: string, fallback: boolean): boolean {
  if (raw === '') return fallback;
  if (TRUE.has(raw)) return true;
  if (FALSE.has(raw)) return false;
  throw new InvalidInputError(name, raw, 'true or false');
}

export function parseInteger(name: string, raw: string, range: { min: number; max: number; fallback: number; unit: string }): number {
  if (raw === '') return range.fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new InvalidInputError(name, raw, `a whole number of ${range.unit} from ${range.min} to ${range.max}`);
  }
  return value;
}

export function parseChoice<T extends string>(name: string, raw: string, choices: readonly T[], fallback: T): T {
  if (raw === '') return fallback;
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw new InvalidInputError(name, raw, `one of ${choices.join(', ')}`);
}

/** The methods a probe can send: every route method but ANY, which only routes match on. */
export const PROBE_METHODS = HTTP_METHODS.filter((method): method is Exclude<HttpMethod, 'ANY'> => method !== 'ANY');
export type ProbeMethod = (typeof PROBE_METHODS)[number];

/** `--method` / `method`: the method a probe sends, in any case. */
export function parseProbeMethod(name: string, raw: string): ProbeMethod {
  const method = raw.toUpperCase();
  if (!(PROBE_METHODS as readonly string[]).includes(method)) throw new InvalidInputError(name, raw, `one of ${PROBE_METHODS.join(', ')}`);
  return method as ProbeMethod;
}

/** `401` or `401,403`: HTTP statuses from 100 to 599, comma-separated. */
export function parseStatusList(name: string, raw: string, fallback: readonly number[]): readonly number[] {
  if (raw === '') return fallback;
  const parts = raw.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^[1-5]\d\d$/.test(p))) {
    throw new InvalidInputError(name, raw, 'HTTP statuses from 100 to 599, comma-separated, e.g. 401 or 401,403');
  }
  return [...new Set(parts.map(Number))];
}

/**
 * An absolute http(s) URL without credentials, query or fragment; trailing slashes dropped. Plain
 * http:// is accepted only for loopback hosts (emulators, proxies on this machine).
 */
export function parseUrl(name: string, raw: string, example: string): string | undefined {
  if (raw === '') return undefined;
  checkUrlInput(name, raw, example, { httpsUnlessLoopback: true });
  return raw.replace(/\/+$/, '');
}

/** What the surface calls its switches, for the one line a refused API URL gets. */
export interface ApiUrlRules {
  /** Send tokens over plain http to a host that is not loopback anyway (still warned about). */
  readonly allowInsecureHttp: boolean;
  /** The switch that allows it, as the caller's surface spells it: `--allow-insecure-http` or `allow-insecure-http`. */
  readonly insecureSwitch: string;
}

export interface CheckedApiUrl {
  /** The base URL without trailing slashes. */
  readonly url: string;
  /** Plain http to a host that is not loopback, allowed by the switch: the caller must warn. */
  readonly cleartext: boolean;
}

const API_URL_EXAMPLE = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

/**
 * The API the gate sends bearer tokens to. The one rule for the CLI, the action and the gate: an
 * absolute https URL (http only to loopback, or with the insecure switch), never with `user:password@`
 * (which is never shown back), no query or fragment.
 */
export function parseApiUrl(name: string, raw: string, rules: ApiUrlRules): CheckedApiUrl {
  const url = checkUrlInput(name, raw, API_URL_EXAMPLE);
  const cleartext = url.protocol === 'http:' && !isLoopbackHost(url.hostname);
  if (cleartext && !rules.allowInsecureHttp) {
    throw new InvalidInputError(
      name,
      raw,
      `an https:// URL: plain http:// sends the token in cleartext, so it is only for loopback hosts (or pass ${rules.insecureSwitch} to send it anyway)`,
    );
  }
  return { url: url.toString().replace(/\/+$/, ''), cleartext };
}

/**
 * The statuses that count as "refused" (no token, forged tokens) and as "let in" (the valid token).
 * A 2xx or 3xx among the refusals, or a 401 or 403 among the let-ins, lets a broken API pass the gate:
 * returns why, or undefined when the list is safe.
 */
export function unsafeExpectation(kind: 'unauthenticated' | 'authenticated', statuses: readonly number[]): string | undefined {
  if (kind === 'unauthenticated') {
    const letIn = statuses.filter((s) => s >= 200 && s < 400);
    if (letIn.length > 0) return `refusal statuses only, e.g. 401 or 401,403: ${letIn.join(', ')} would let an API that answers anyone pass the gate`;
    return undefined;
  }
  const refused = statuses.filter((s) => s === 401 || s === 403);
  if (refused.length > 0)
    return `statuses of a request that was let in, e.g. 200: ${refused.join(', ')} would let an API that refuses the valid token pass the gate`;
  return undefined;
}

/** `--expect-unauthenticated` / `expect-unauthenticated`: a status list without 2xx or 3xx. @default [401] */
export function parseExpectUnauthenticated(name: string, raw: string): readonly number[] {
  return checkedExpectation(name, raw, 'unauthenticated', [401]);
}

/** `--expect-authenticated` / `expect-authenticated`: a status list without 401 or 403. @default [200] */
export function parseExpectAuthenticated(name: string, raw: string): readonly number[] {
  return checkedExpectation(name, raw, 'authenticated', [200]);
}

function checkedExpectation(name: string, raw: string, kind: 'unauthenticated' | 'authenticated', fallback: readonly number[]): readonly number[] {
  const statuses = parseStatusList(name, raw, fallback);
  const why = unsafeExpectation(kind, statuses);
  if (why !== undefined) throw new InvalidInputError(name, raw, why);
  return statuses;
}

export function parseGuid(name: string, raw: string, what: string): string | undefined {
  if (raw === '') return undefined;
  if (!isGuid(raw)) throw new InvalidInputError(name, raw, `${what}, a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47`);
  return raw.toLowerCase();
}

/** Comma- or newline-separated values, trimmed, empties dropped. */
export function parseList(raw: string): string[] {
  return raw
    .split(/[\n,]/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

export function parsePaths(name: string, raw: string): readonly string[] {
  const paths = parseList(raw);
  if (paths.length === 0) return ['/'];
  for (const path of paths) {
    if (!path.startsWith('/') || /\s/.test(path))
      throw new InvalidInputError(name, path, 'paths starting with /, comma- or newline-separated, e.g. /hello,/orders');
  }
  return paths;
}

export function parseJson(name: string, raw: string, shape: 'array' | 'object', example: string): unknown {
  if (raw === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new InvalidInputError(name, raw, `a JSON ${shape} such as ${example}`);
  }
  const ok = shape === 'array' ? Array.isArray(value) : typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!ok) throw new InvalidInputError(name, raw, `a JSON ${shape} such as ${example}`);
  return value;
}

/** Terraform durations as `-lock-timeout` takes them: `0s`, `90s`, `5m`, `1h`. */
export function parseDuration(name: string, raw: string, fallback: string): string {
  if (raw === '') return fallback;
  if (!/^\d{1,5}(ms|s|m|h)$/.test(raw)) throw new InvalidInputError(name, raw, 'a duration such as 0s, 90s, 5m or 1h');
  return raw;
}

export function parseText(name: string, raw: string, pattern: RegExp, expected: string): string | undefined {
  if (raw === '') return undefined;
  if (!pattern.test(raw)) throw new InvalidInputError(name, raw, expected);
  return raw;
}

/** The first character of a token that cannot be sent as one bearer word in an HTTP header, if any. */
export function findBadTokenCharacter(token: string): { readonly position: number; readonly kind: string } | undefined {
  let position = 0;
  for (const char of token) {
    position += 1;
    const code = char.codePointAt(0)!;
    if (code >= 0x21 && code <= 0x7e) continue;
    const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    const kind =
      code === 0x0a || code === 0x0d
        ? 'a line break'
        : code === 0x20
          ? 'a space'
          : code === 0x09
            ? 'a tab'
            : code < 0x20 || code === 0x7f
              ? `a control character (${hex})`
              : `a non-ASCII character (${hex})`;
    return { position, kind };
  }
  return undefined;
}

/** A token described without any of its characters: its length and its first bad character. */
export function describeBadToken(token: string): string | undefined {
  const bad = findBadTokenCharacter(token);
  return bad && `${[...token].length} characters, ${bad.kind} at character ${bad.position}`;
}

/**
 * An access token as a user or a tool gives it: surrounding whitespace trimmed, then one word of
 * visible ASCII (what a JWT is). Anything else would be refused by fetch with the header in the
 * message, or cut by GitHub's line-by-line masking, so it is refused here, and the message shows
 * none of the token. An empty value gives undefined.
 */
export function parseBearerToken(name: string, raw: string): string | undefined {
  const token = raw.trim();
  if (token === '') return undefined;
  const bad = describeBadToken(token);
  if (bad === undefined) return token;
  const fix = /^bearer\s/i.test(token)
    ? 'give the token without the "Bearer " prefix'
    : /line break|space|tab/.test(bad)
      ? "check where the token is read: it must hold one token, without line breaks or spaces (e.g. pipe it through tr -d '\\r\\n')"
      : 'check that the value is the access token itself (a JWT: letters, digits, - _ . only)';
  throw new InvalidInputError(name, `(hidden: ${bad})`, `one access token on one line, visible ASCII only; ${fix}`);
}
