import type { LoggableClaims } from '../token/decode-claims';
import { attackByCode } from './attacks/registry';
import type { GateFailureCode } from './errors';
import { CLI_SETTING_NAMES, type GateSettingNames } from './names';
import { NOT_SENT_DEADLINE, type ProbeAnswer, type ProbeResult, type SkippedProbe } from './types';

export interface GateFailure {
  /** The probe's name, e.g. `none GET /orders`. */
  readonly probe: string;
  readonly code: GateFailureCode;
  /** What was seen, one line, including the last answers. */
  readonly reason: string;
  /** What to change, one line. */
  readonly fix: string;
  /** The token claim most likely at fault, when one is. */
  readonly claim?: 'iss' | 'aud' | 'exp' | 'roles' | 'scp';
  /** The attack the API fell for (its code in the README's attack table), and where the attack comes from. */
  readonly attack?: string;
  readonly reference?: string;
}

export interface Verdict {
  readonly pass: boolean;
  readonly failures: readonly GateFailure[];
  /** Things that did not fail the gate but weaken it (skipped probes). */
  readonly warnings: readonly string[];
}

export interface VerdictInput {
  readonly results: readonly ProbeResult[];
  readonly skipped?: readonly SkippedProbe[];
  /** Decode-only claims of the valid token, for hints on 401/403. */
  readonly tokenClaims?: LoggableClaims;
  /** What the authorizer is configured to trust, when known (sharper 401 hints). */
  readonly expectedIssuer?: string;
  readonly expectedAudiences?: readonly string[];
  /** When the token was sent (ms since epoch), to tell an expired token apart; no expiry hint without it. */
  readonly nowMs?: number;
  /** Further warnings, e.g. that the wrong-audience probe only had weaker evidence. */
  readonly notes?: readonly string[];
  /** How the caller spells its settings in fix texts. @default the CLI's flags */
  readonly names?: GateSettingNames;
}

/** Pure: judges probe results. Passing needs every probe to have passed; informational probes never fail it. */
export function judgeGate(input: VerdictInput): Verdict {
  const failures = input.results.filter((r) => r.outcome !== 'pass' && r.role !== 'informational').map((r) => judgeProbe(r, input));
  const warnings = [...skippedWarnings(input.skipped ?? []), ...(input.notes ?? [])];
  if (input.results.length === 0) {
    failures.push({ probe: '(none)', code: 'ERR_GATE_TIMEOUT', reason: 'no probe ran', fix: 'pass at least one path to probe' });
  }
  return { pass: failures.length === 0, failures, warnings };
}

function judgeProbe(result: ProbeResult, input: VerdictInput): GateFailure {
  const answers = describeAnswers(result.lastAnswers);
  const last = result.lastAnswers[result.lastAnswers.length - 1];
  const changing = result.outcome === 'wrong' && !result.stable ? ' (answers were still changing at the deadline)' : '';
  const fail = (code: GateFailureCode, reason: string, fix: string, claim?: GateFailure['claim']): GateFailure => ({
    probe: result.name,
    code,
    reason: `${reason}${changing}; last answers: ${answers}`,
    fix,
    ...(claim ? { claim } : {}),
  });
  const route = result.routeKey !== undefined ? result.routeKey : `${result.method} ${result.path}`;
  const request = `${result.method} ${result.path}`;
  const names = input.names ?? CLI_SETTING_NAMES;
  const expected = result.expected.join(' or ');
  const seconds = (result.ms / 1000).toFixed(1);

  if (result.outcome === 'unstable') {
    if (last?.status === 429) {
      return fail(
        'ERR_GATE_THROTTLED',
        `answered 429 (throttled) until the deadline (${seconds} s)`,
        `the stage's throttling refused the gate's requests even when paced: raise the stage's burst and rate limits, or allow more time (${names.timeout})`,
      );
    }
    if (last?.status !== undefined && last.status >= 500) {
      return fail('ERR_GATE_SERVER_ERROR', `answered ${last.status} until the deadline (${seconds} s)`, serverErrorFix(result));
    }
    if (result.attempts === 0 && last?.error === NOT_SENT_DEADLINE) {
      return fail(
        'ERR_GATE_TIMEOUT',
        `${NOT_SENT_DEADLINE}: the gate's time ran out (${seconds} s) before this probe's turn`,
        `allow more time (${names.timeout}); the other probes' answers show what kept them waiting`,
      );
    }
    return fail(
      'ERR_GATE_TIMEOUT',
      `no answer of ${expected} within ${seconds} s`,
      `check that ${names.apiUrl} is reachable from here and the stage is deployed, or allow more time (${names.timeout})`,
    );
  }

  const status = result.actual ?? 0;
  if (status >= 300 && status < 400) {
    return fail(
      'ERR_GATE_REDIRECT',
      `answered ${status} redirect to ${last?.location ?? '(no location)'}`,
      `something in front of the API redirects (a login page or a proxy); point ${names.apiUrl} at the API Gateway stage URL, where the JWT authorizer answers 401 itself`,
    );
  }
  if (status >= 500) return fail('ERR_GATE_SERVER_ERROR', `answered ${status}`, serverErrorFix(result));

  switch (result.role) {
    case 'anonymous':
      if (status >= 200 && status < 300) {
        return fail(
          'ERR_GATE_OPEN_API',
          `answered ${status} to a request without a token${result.routeKey !== undefined ? ` (route ${result.routeKey}, authorization ${result.authorizer ?? 'NONE'})` : ''}`,
          result.routeKey !== undefined
            ? `attach the JWT authorizer to route ${route} (authorization_type JWT), or declare it public if it must answer anyone`
            : `attach the JWT authorizer to route ${route} (authorization_type JWT), or to the $default route`,
        );
      }
      if (status === 403) {
        return fail(
          'ERR_GATE_UNEXPECTED_STATUS',
          'answered 403 to a request without a token; a JWT authorizer answers 401',
          `if a WAF or resource policy refuses anonymous callers on purpose, add 403 to ${names.expectUnauthenticated}`,
        );
      }
      return fail('ERR_GATE_UNEXPECTED_STATUS', `answered ${status}, expected ${expected}`, notFoundOr(status, request, names));
    case 'negative': {
      const attack = attackByCode(result.auth);
      const code: GateFailureCode = attack?.family === 'audience' ? 'ERR_GATE_ACCEPTS_WRONG_AUDIENCE' : 'ERR_GATE_ACCEPTS_FORGED';
      const fix =
        attack?.fix ?? 'validate tokens with an API Gateway JWT authorizer (or a library such as jose) that checks kid, RS256 signature, iss, aud and exp';
      const accepted = (reason: string): GateFailure => ({
        ...fail(code, reason, fix),
        ...(attack ? { attack: attack.code, reference: attack.reference } : {}),
      });
      if (status >= 200 && status < 300) return accepted(`answered ${status}: ${attack?.acceptance ?? 'accepted it'}`);
      if (status === 403 && attack?.family !== 'malformed') {
        return accepted('answered 403, not 401: the token most likely passed validation and failed only a scope or role check');
      }
      return fail(
        'ERR_GATE_UNEXPECTED_STATUS',
        `answered ${status}, expected ${expected}`,
        notFoundOr(status, request, names, `if the API refuses with this status on purpose, add it to ${names.expectUnauthenticated}`),
      );
    }
    case 'informational':
      throw new TypeError('informational probes are never judged');
    case 'public':
      // Only 5xx, 429 or no answer reach here (handled above); anything else below 500 passes.
      return fail('ERR_GATE_UNEXPECTED_STATUS', `answered ${status} on a public route`, `check the route ${route}`);
    case 'authenticated':
      if (status === 401) return unauthorized(fail, input, last);
      if (status === 403) return forbidden(fail, input);
      return fail(
        'ERR_GATE_UNEXPECTED_STATUS',
        `answered ${status} to the valid token, expected ${expected}`,
        notFoundOr(status, request, names, `if this status is right for the route, pass it to ${names.expectAuthenticated}`),
      );
  }
}

type Fail = (code: GateFailureCode, reason: string, fix: string, claim?: GateFailure['claim']) => GateFailure;

/** 401 for a valid token: almost always issuer (v1 vs v2) or audience disagreeing with the authorizer. */
function unauthorized(fail: Fail, input: VerdictInput, last: ProbeAnswer | undefined): GateFailure {
  const claims = input.tokenClaims ?? {};
  const said = describeWwwAuthenticate(last?.wwwAuthenticate);
  const reason = `refused the valid token with 401${said ? ` (${said})` : ''}`;
  const version = tokenVersionOf(claims);
  if (claims.exp !== undefined && input.nowMs !== undefined && claims.exp * 1000 <= input.nowMs) {
    return fail('ERR_GATE_UNAUTHORIZED', `${reason}; the token expired at ${new Date(claims.exp * 1000).toISOString()}`, 'get a fresh token', 'exp');
  }
  if (said && /signing keys|JWKS|jwks|discovery|openid-configuration/.test(said)) {
    return fail(
      'ERR_GATE_UNAUTHORIZED',
      claims.iss !== undefined ? `${reason}; the token is ${version} with iss ${claims.iss} and aud ${claims.aud ?? '(none)'}` : reason,
      "the authorizer could not get the issuer's signing keys: {issuer}/.well-known/openid-configuration and its jwks_uri must answer over https within 1500 ms each, with a JWKS under 150,000 bytes",
    );
  }
  if (input.expectedIssuer !== undefined && claims.iss !== undefined && claims.iss !== input.expectedIssuer) {
    return fail(
      'ERR_GATE_UNAUTHORIZED',
      `${reason}; the token's iss ${claims.iss} (${version}) is not the authorizer's issuer ${input.expectedIssuer}`,
      "v1 tokens come from https://sts.windows.net/{tenant}/ and v2 from {authority}/{tenant}/v2.0: make the authorizer issuer match the API app's requested_access_token_version",
      'iss',
    );
  }
  if (input.expectedAudiences !== undefined && claims.aud !== undefined && !input.expectedAudiences.includes(claims.aud)) {
    return fail(
      'ERR_GATE_UNAUTHORIZED',
      `${reason}; the token's aud ${claims.aud} is not among the authorizer's audiences ${input.expectedAudiences.join(', ')}`,
      "v2 tokens carry the API app's client id as aud, v1 tokens the App ID URI: set the authorizer audience to match",
      'aud',
    );
  }
  if (claims.iss !== undefined) {
    return fail(
      'ERR_GATE_UNAUTHORIZED',
      `${reason}; the token is ${version} with iss ${claims.iss} and aud ${claims.aud ?? '(none)'}`,
      `the authorizer must trust issuer ${claims.iss} exactly and audience ${claims.aud ?? '(the API app)'}; a v1/v2 mix-up is the usual cause (v2 issuer ends in /v2.0 with the client id as audience; v1 is https://sts.windows.net/{tenant}/ with the App ID URI)`,
    );
  }
  return fail(
    'ERR_GATE_UNAUTHORIZED',
    `${reason}; the token has no readable claims`,
    'check the authorizer issuer (v1 https://sts.windows.net/{tenant}/ vs v2 {authority}/{tenant}/v2.0) and audience (v2: API client id; v1: App ID URI)',
  );
}

/** 403 for a valid token: client-credentials tokens carry roles, never scp. */
function forbidden(fail: Fail, input: VerdictInput): GateFailure {
  const claims = input.tokenClaims ?? {};
  const roles = claims.roles ?? [];
  if (claims.scp === undefined) {
    const has = roles.length > 0 ? `roles [${roles.join(', ')}] and no scp` : 'neither roles nor scp';
    return fail(
      'ERR_GATE_FORBIDDEN',
      `refused the valid token with 403; it is an app-only token with ${has}`,
      roles.length > 0
        ? 'the route has authorization_scopes, which app-only (client-credentials) tokens can never satisfy: remove them and check the roles claim in the integration instead'
        : "assign one of the API's app roles to the caller's service principal, and remove authorization_scopes from the route (app-only tokens carry roles, not scp)",
      roles.length > 0 ? 'scp' : 'roles',
    );
  }
  return fail(
    'ERR_GATE_FORBIDDEN',
    `refused the valid token with 403; its scp is "${claims.scp}"`,
    "the route's authorization_scopes must include one of the token's scopes (scp values), or the integration refuses the caller",
    'scp',
  );
}

function tokenVersionOf(claims: LoggableClaims): string {
  if (claims.ver === '1.0' || claims.ver === '2.0') return `v${claims.ver}`;
  if (claims.iss?.endsWith('/v2.0')) return 'v2.0';
  if (claims.iss?.includes('sts.windows.net') || claims.iss?.includes('/sts/')) return 'v1.0';
  return 'of unknown version';
}

function serverErrorFix(result: ProbeResult): string {
  return result.role === 'authenticated'
    ? 'the token passed the authorizer but the integration failed: check the backend (Lambda) logs'
    : "the API fails before refusing the request: check the authorizer configuration (issuer discovery, JWKS) and the stage's logs";
}

function notFoundOr(status: number, route: string, names: GateSettingNames, otherwise = `check ${names.apiUrl}, ${names.path} and ${names.method}`): string {
  return status === 404 ? `no route answers ${route}: check ${names.path}, ${names.method} and the API's route keys and stage` : otherwise;
}

function describeWwwAuthenticate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // Quotes were stripped on arrival (send-probe): the description runs to the next `key=` or the end.
  const description = /error_description=(.*?)(?:,?\s+[a-z_]+=.*)?$/i.exec(value)?.[1];
  return description !== undefined ? `gateway said "${description}"` : `www-authenticate: ${value}`;
}

/** One warning per reason: several attacks skipped for one cause (no issuer keys) make one line. */
function skippedWarnings(skipped: readonly SkippedProbe[]): string[] {
  const byReason = new Map<string, string[]>();
  for (const s of skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.name]);
  return [...byReason].map(([reason, names]) => `${names.join(', ')} not probed: ${reason}`);
}

/** `401, 401` / `503, ECONNREFUSED`: the tail of a probe's answers for reasons. */
export function describeAnswers(answers: readonly ProbeAnswer[]): string {
  if (answers.length === 0) return '(none)';
  return answers.map((a) => (a.status !== undefined ? String(a.status) : (a.error ?? 'no answer'))).join(', ');
}
