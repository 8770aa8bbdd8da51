import { InvalidInputError } from '../errors';

/** 127.0.0.0/8, localhost and ::1: where plain http never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** What a URL may be, beyond an absolute http(s) URL with a host and without user:password@. */
export interface UrlRules {
  /** Plain http:// only to a loopback host (emulators, proxies on this machine): for URLs that tokens, keys or credentials travel to. @default false */
  readonly httpsUnlessLoopback?: boolean;
  /** Refuse a ?query or #fragment. @default true */
  readonly bare?: boolean;
}

/**
 * The one URL check, behind action inputs, CLI flags, the config, construct props and emulator
 * definitions: an absolute http(s) URL with a host, no whitespace, never `user:password@` (a URL gets
 * logged), and by default no query or fragment. Returns the URL, or the expected form for an error line
 * (which must show the value through {@link withoutCredentials}).
 */
export function checkUrl(raw: string, example: string, rules: UrlRules = {}): { readonly url: URL } | { readonly expected: string } {
  let url: URL | undefined;
  try {
    url = /\s/.test(raw) ? undefined : new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '') {
    return { expected: `an absolute https:// URL such as ${example}` };
  }
  if (url.username !== '' || url.password !== '' || withoutCredentials(raw) !== raw) {
    return { expected: `a URL without user:password@ in it, such as ${example} (give credentials another way; a URL gets logged)` };
  }
  if ((rules.bare ?? true) && (url.search !== '' || url.hash !== '')) return { expected: `a URL without ?query or #fragment, such as ${example}` };
  if (rules.httpsUnlessLoopback && url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    return { expected: 'an https:// URL (http:// only for loopback emulators)' };
  return { url };
}

/** {@link checkUrl} for a named input: an InvalidInputError that never shows `user:password@`. */
export function checkUrlInput(name: string, raw: string, example: string, rules: UrlRules = {}): URL {
  const checked = checkUrl(raw, example, rules);
  if ('expected' in checked) throw new InvalidInputError(name, withoutCredentials(raw), checked.expected);
  return checked.url;
}

/** `https://user:pass@host/x` → `https://***@host/x`: user info never reaches a message or a log. */
export function withoutCredentials(raw: string): string {
  return raw.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@');
}
