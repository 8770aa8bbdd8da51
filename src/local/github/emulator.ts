import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, sendJson } from '../server';
import { buildGithubClaims, type GithubRunClaims } from './claims';
import { KeyRing, type Jwks } from './key-ring';

/** Milliseconds since the epoch; tests inject a fixed or stepping clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface GithubOidcOptions {
  /** The emulated workflow run (repository, ref, environment, …). @default a push to main of octo-org/orders-api */
  readonly claims?: GithubRunClaims;
  /**
   * Path appended to the base URL to form the issuer, like an enterprise's custom issuer
   * (`https://token.actions.githubusercontent.com/<slug>`); discovery then lives under it. @default ''
   */
  readonly issuerPath?: string;
  /** ID token lifetime. @default 300 (GitHub tokens live about 5 minutes) */
  readonly lifetimeSeconds?: number;
  /** The runner's ACTIONS_ID_TOKEN_REQUEST_TOKEN. @default random */
  readonly requestToken?: string;
  /** @default the system clock */
  readonly clock?: Clock;
}

export interface GithubOidcEmulator {
  /** Base URL, e.g. `http://127.0.0.1:43117`; equals `issuer` unless `issuerPath` is set. */
  readonly url: string;
  /** `iss` of every token; discovery is `${issuer}/.well-known/openid-configuration`. */
  readonly issuer: string;
  /** What a runner puts in ACTIONS_ID_TOKEN_REQUEST_URL (already has a query string). */
  readonly requestUrl: string;
  /** What a runner puts in ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  readonly requestToken: string;
  /** Signs a token directly, as the HTTP endpoint would. */
  mintIdToken(audience?: string, claimOverrides?: Readonly<Record<string, unknown>>): Promise<string>;
  /** Replaces the emulated run's claims for later tokens. */
  setClaims(claims: GithubRunClaims): void;
  /** Signs with a new key; the previous key stays in the JWKS until the next rotation. */
  rotateKeys(): Promise<void>;
  jwks(): Jwks;
  close(): Promise<void>;
}

const TOKEN_PATH = '/_apis/token';

/** Starts a loopback GitHub Actions OIDC issuer (discovery, JWKS and the runner's ID-token endpoint). */
export async function startGithubOidc(options: GithubOidcOptions = {}): Promise<GithubOidcEmulator> {
  const issuerPath = checkIssuerPath(options.issuerPath ?? '');
  const lifetimeSeconds = options.lifetimeSeconds ?? 300;
  if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds <= 0) {
    throw new TypeError(`"lifetimeSeconds" option must be a positive integer, got ${String(options.lifetimeSeconds)}`);
  }
  const clock = options.clock ?? systemClock;
  const requestToken = options.requestToken ?? randomBytes(24).toString('base64url');
  const keys = await KeyRing.create();
  let runClaims: GithubRunClaims = options.claims ?? {};
  let issuer = '';

  const mintIdToken = async (audience?: string, claimOverrides: Readonly<Record<string, unknown>> = {}): Promise<string> => {
    const claims = buildGithubClaims(runClaims, {
      issuer,
      ...(audience !== undefined ? { audience } : {}),
      nowSeconds: Math.floor(clock.now() / 1000),
      lifetimeSeconds,
      jti: randomUUID(),
    });
    // GitHub's header carries x5t next to kid (protocols.md §4).
    return keys.sign({ ...claims, ...claimOverrides }, { x5t: true });
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (req.method !== 'GET') return sendJson(res, 405, { message: 'Method Not Allowed' });
    if (url.pathname === `${issuerPath}/.well-known/openid-configuration`) return sendJson(res, 200, discovery(issuer));
    if (url.pathname === `${issuerPath}/.well-known/jwks`) return sendJson(res, 200, keys.jwks());
    if (url.pathname === TOKEN_PATH) {
      if (!hasBearer(req.headers.authorization, requestToken)) {
        return sendJson(res, 401, { message: 'Unauthorized: the request needs Authorization: Bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>' });
      }
      const audience = url.searchParams.get('audience');
      return sendJson(res, 200, { value: await mintIdToken(audience === null || audience === '' ? undefined : audience) });
    }
    sendJson(res, 404, { message: 'Not Found' });
  };

  const server = await listen(handler);
  issuer = `${server.url}${issuerPath}`;
  return {
    url: server.url,
    issuer,
    requestUrl: `${server.url}${TOKEN_PATH}?api-version=2.0`,
    requestToken,
    mintIdToken,
    setClaims(claims) {
      runClaims = claims;
    },
    async rotateKeys() {
      await keys.rotate();
    },
    jwks: () => keys.jwks(),
    close: () => server.close(),
  };
}

function discovery(issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks`,
    subject_types_supported: ['public', 'pairwise'],
    response_types_supported: ['id_token'],
    claims_supported: [
      'sub',
      'aud',
      'exp',
      'iat',
      'iss',
      'jti',
      'nbf',
      'ref',
      'sha',
      'repository',
      'repository_id',
      'repository_owner',
      'repository_owner_id',
      'run_id',
      'run_number',
      'run_attempt',
      'actor',
      'actor_id',
      'workflow',
      'workflow_ref',
      'event_name',
      'ref_type',
      'environment',
      'job_workflow_ref',
      'runner_environment',
      'head_ref',
      'base_ref',
      'workflow_sha',
      'job_workflow_sha',
      'repository_visibility',
      'enterprise',
      'enterprise_id',
    ],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid'],
  };
}

function hasBearer(header: string | undefined, expected: string): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const presented = Buffer.from(header.slice('Bearer '.length));
  const wanted = Buffer.from(expected);
  return presented.length === wanted.length && timingSafeEqual(presented, wanted);
}

function checkIssuerPath(path: string): string {
  if (path === '') return '';
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(path)) {
    throw new TypeError(`"issuerPath" option must look like /octo-corp (a leading slash, no trailing slash), got ${JSON.stringify(path)}`);
  }
  return path;
}
