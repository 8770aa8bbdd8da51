/**
 * Small checks on values that may still be unresolved references (a cdktf token such as
 * `${TfToken[TOKEN.1]}` or a Terraform interpolation): those are only known at apply time,
 * so the checks that need the real value skip them.
 */
export function isUnresolved(value: string): boolean {
  return value.includes('${');
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/** An API name: it names the HTTP API and, with a suffix, its Lambda, role and log group. */
export const API_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const API_NAME_FORM = 'letters, digits, hyphens or underscores (up to 64), e.g. orders-api';

export function trimTrailingSlash(value: string): string {
  return value.replace(/\/+$/, '');
}
