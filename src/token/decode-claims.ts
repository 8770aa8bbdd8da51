import { decodeJwt, decodeProtectedHeader } from 'jose';

/** The claims worth logging from a token: who issued it, for whom, about whom. Never the token. */
export interface LoggableClaims {
  readonly iss?: string;
  readonly sub?: string;
  readonly aud?: string;
  readonly job_workflow_ref?: string;
  /** Entra access tokens: `1.0` or `2.0`. */
  readonly ver?: string;
  /** App-only permissions (Entra), if any. */
  readonly roles?: readonly string[];
  /** Delegated scopes (Entra), space-separated, if any. */
  readonly scp?: string;
  readonly exp?: number;
  /** The signing key id from the header. */
  readonly kid?: string;
  readonly alg?: string;
}

/**
 * Reads a few claims for log lines and hints. Decode-only: no validation, no signature checking,
 * and it never throws (an opaque or broken token gives `{}`), so logging can never fail a run.
 */
export function decodeClaimsForLogging(token: string): LoggableClaims {
  try {
    const payload = decodeJwt(token);
    let header: { kid?: unknown; alg?: unknown } = {};
    try {
      header = decodeProtectedHeader(token);
    } catch {
      // A payload without a readable header still has loggable claims.
    }
    const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
    const aud = Array.isArray(payload.aud) ? payload.aud.join(' ') : text(payload.aud);
    const roles = Array.isArray(payload['roles']) ? payload['roles'].filter((r): r is string => typeof r === 'string') : undefined;
    return dropUndefined({
      iss: text(payload.iss),
      sub: text(payload.sub),
      aud,
      job_workflow_ref: text(payload['job_workflow_ref']),
      ver: text(payload['ver']),
      roles,
      scp: text(payload['scp']),
      exp: typeof payload.exp === 'number' ? payload.exp : undefined,
      kid: text(header.kid),
      alg: text(header.alg),
    });
  } catch {
    return {};
  }
}

/** A short `iss=… sub=… aud=…` line for logs. */
export function describeClaimsForLogging(claims: LoggableClaims): string {
  const parts = (['iss', 'sub', 'aud', 'job_workflow_ref'] as const).filter((key) => claims[key] !== undefined).map((key) => `${key}=${claims[key]}`);
  return parts.length > 0 ? parts.join(' ') : '(no readable claims)';
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
