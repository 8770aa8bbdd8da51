import { randomInt, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isGuid } from '../../contract';
import { systemClock, type Clock } from '../github/emulator';
import { KeyRing, type Jwks } from '../github/key-ring';
import { listen, readBody, sendJson } from '../server';
import { localIssuers } from './access-token';
import { aadsts, aadstsBody, AadstsError, type AadstsFailure } from './aadsts';
import { Directory } from './directory';
import type { DirectorySpec } from './directory-spec';
import { checkFaults, type EntraFaults } from './faults';
import { JwksFetcher } from '../../token/jwks-fetcher';
import { visibility } from './replication';
import { exchangeClientCredentials, type BasicCredentials } from './token-request';

export interface EntraOptions {
  /** Tenants, apps, service principals and assignments to start with. @default none */
  readonly directory?: DirectorySpec;
  /** Failure switches; change them later with setFaults(). @default none */
  readonly faults?: EntraFaults;
  /** @default the system clock */
  readonly clock?: Clock;
  /**
   * Access token lifetime, 3600–5400 s. Entra gives each token a lifetime between 60 and 90 minutes
   * (protocols.md §2), so by default each token draws one at random in that range.
   * @default random from 3600 to 5400 per token
   */
  readonly accessTokenLifetimeSeconds?: number;
  /** Leeway on an assertion's exp/nbf [uncertain: Entra documents none]. @default 0 */
  readonly assertionClockSkewSeconds?: number;
  /** Time-out of each issuer discovery/JWKS fetch. @default 5000 */
  readonly issuerFetchTimeoutMs?: number;
  /**
   * How long issuer keys are cached. An assertion whose `kid` is not in the cached keys refetches them
   * at once (a fetch under way is shared), so a rotation at the issuer is picked up; whether Entra
   * refetches early is not documented **[uncertain]**. @default 600
   */
  readonly issuerKeysCacheSeconds?: number;
  /** Injected fetch for issuer metadata. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** How the `latencyMs` fault waits; tests inject one that records. @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface EntraEmulator {
  /** The authority host, e.g. `http://127.0.0.1:43117`: pass it to resolveCloud('local', url). */
  readonly url: string;
  /** The live directory: add credentials, assignments or tenants while the emulator runs. */
  readonly directory: Directory;
  /** Merges new fault switches into the current ones. */
  setFaults(faults: EntraFaults): void;
  faults(): EntraFaults;
  /** The v1 and v2 issuers of a tenant. */
  issuers(tenantId: string): { v1: string; v2: string };
  /** A tenant's published signing keys. */
  jwks(tenantId: string): Promise<Jwks>;
  rotateKeys(tenantId: string): Promise<void>;
  /** Token requests received so far (including fault answers). */
  readonly tokenRequestCount: number;
  close(): Promise<void>;
}

/** Starts a loopback Entra ID: per-tenant v1/v2 discovery and JWKS, and the v2.0 token endpoint. */
export async function startEntra(options: EntraOptions = {}): Promise<EntraEmulator> {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const fixedLifetime = options.accessTokenLifetimeSeconds;
  if (fixedLifetime !== undefined && (!Number.isInteger(fixedLifetime) || fixedLifetime < 3600 || fixedLifetime > 5400)) {
    throw new TypeError(
      `"accessTokenLifetimeSeconds" option must be an integer from 3600 to 5400 (Entra issues 60–90 minute tokens), got ${String(fixedLifetime)}`,
    );
  }
  const lifetime = (): number => fixedLifetime ?? randomInt(3600, 5401);
  const directory = new Directory(() => clock.now());
  if (options.directory) directory.load(options.directory);
  let faults: EntraFaults = checkFaults(options.faults ?? {});
  let pendingFailures = faults.failNextTokenRequests?.count ?? 0;
  let tokenRequestCount = 0;
  const issuerKeys = new JwksFetcher({
    now: () => clock.now(),
    fetchTimeoutMs: options.issuerFetchTimeoutMs ?? 5000,
    cacheTtlMs: (options.issuerKeysCacheSeconds ?? 600) * 1000,
    unknownKidRefetchMs: 0,
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
  });
  const keyRings = new Map<string, Promise<KeyRing>>();
  // RSA generation is the slow part of a first exchange: the first tenant's key is made in the
  // background from the start, while the caller does other work.
  let spareRing: Promise<KeyRing> | undefined = KeyRing.create();
  spareRing.catch(() => undefined);
  const signingKeys = (tenantId: string): Promise<KeyRing> => {
    let ring = keyRings.get(tenantId);
    if (!ring) {
      ring = spareRing ?? KeyRing.create();
      spareRing = undefined;
      keyRings.set(tenantId, ring);
    }
    return ring;
  };
  let host = '';

  const fail = (res: ServerResponse, req: IncomingMessage, failure: AadstsFailure): void => {
    const requested = req.headers['client-request-id'];
    const correlationId = typeof requested === 'string' && isGuid(requested) ? requested : randomUUID();
    sendJson(res, failure.status, aadstsBody(failure, { now: clock.now(), traceId: randomUUID(), correlationId, authorityHost: host }));
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Collapse repeated slashes: an authorizer appends /.well-known/… to a v1 issuer ending in '/'.
    const path = new URL(req.url ?? '/', 'http://emulator').pathname.replace(/\/{2,}/g, '/');
    const segments = path.split('/').filter((segment) => segment !== '');
    const stsPrefix = segments[0] === 'sts';
    const tenantSegment = (stsPrefix ? segments[1] : segments[0]) ?? '';
    const rest = segments.slice(stsPrefix ? 2 : 1).join('/');
    const endpoint = endpointFor(stsPrefix, rest, req.method ?? 'GET');
    if (!endpoint) return sendJson(res, 404, { error: 'not_found', error_description: `No endpoint ${req.method ?? 'GET'} ${path}` });
    const tenant = directory.tenant(tenantSegment);
    if (endpoint === 'token') {
      tokenRequestCount += 1;
      if (pendingFailures > 0) {
        pendingFailures -= 1;
        return fail(res, req, faults.failNextTokenRequests?.status === 500 ? aadsts.serverError() : aadsts.temporarilyUnavailable());
      }
    }
    if (!tenant) return fail(res, req, aadsts.tenantNotFound(tenantSegment));
    const issuers = localIssuers(host, tenant.id);
    switch (endpoint) {
      case 'v2-discovery':
        return sendJson(res, 200, discoveryDocument(host, tenant.id, issuers.v2, 2));
      case 'v1-discovery':
        return sendJson(res, 200, discoveryDocument(host, tenant.id, issuers.v1, 1));
      case 'jwks':
        return sendJson(res, 200, (await signingKeys(tenant.id)).jwks());
      case 'token': {
        const form = new URLSearchParams(await readBody(req, 64 * 1024));
        try {
          const result = await exchangeClientCredentials(tenant.id, form, basicCredentials(req.headers.authorization), {
            authorityHost: host,
            directory,
            issuerKeys,
            signingKeys,
            nowMs: clock.now(),
            visible: visibility(faults, clock.now()),
            assertionClockSkewSeconds: options.assertionClockSkewSeconds ?? 0,
            accessTokenLifetimeSeconds: lifetime(),
          });
          return sendJson(res, 200, result, { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' });
        } catch (error) {
          if (error instanceof AadstsError) return fail(res, req, error.failure);
          throw error;
        }
      }
    }
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const latency = faults.latencyMs ?? 0;
    if (latency > 0) await sleep(latency);
    await route(req, res);
  };

  const server = await listen(handler);
  host = server.url;
  return {
    url: server.url,
    directory,
    setFaults(next) {
      faults = checkFaults({ ...faults, ...next });
      if (next.failNextTokenRequests !== undefined) pendingFailures = next.failNextTokenRequests.count;
    },
    faults: () => ({ ...faults }),
    issuers: (tenantId) => localIssuers(host, tenantId.toLowerCase()),
    jwks: async (tenantId) => (await signingKeys(tenantId.toLowerCase())).jwks(),
    async rotateKeys(tenantId) {
      await (await signingKeys(tenantId.toLowerCase())).rotate();
    },
    get tokenRequestCount() {
      return tokenRequestCount;
    },
    close: () => server.close(),
  };
}

type Endpoint = 'v2-discovery' | 'v1-discovery' | 'jwks' | 'token';

function endpointFor(stsPrefix: boolean, rest: string, method: string): Endpoint | undefined {
  if (method === 'POST') return !stsPrefix && rest === 'oauth2/v2.0/token' ? 'token' : undefined;
  if (method !== 'GET') return undefined;
  if (stsPrefix) return rest === '.well-known/openid-configuration' ? 'v1-discovery' : undefined;
  if (rest === 'v2.0/.well-known/openid-configuration') return 'v2-discovery';
  if (rest === '.well-known/openid-configuration') return 'v1-discovery';
  if (rest === 'discovery/v2.0/keys' || rest === 'discovery/keys') return 'jwks';
  return undefined;
}

function discoveryDocument(host: string, tenantId: string, issuer: string, version: 1 | 2): Record<string, unknown> {
  const v2 = version === 2;
  return {
    token_endpoint: v2 ? `${host}/${tenantId}/oauth2/v2.0/token` : `${host}/${tenantId}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: v2 ? `${host}/${tenantId}/discovery/v2.0/keys` : `${host}/${tenantId}/discovery/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
    scopes_supported: v2 ? ['openid', 'profile', 'email', 'offline_access'] : ['openid'],
    issuer,
    request_uri_parameter_supported: false,
    authorization_endpoint: v2 ? `${host}/${tenantId}/oauth2/v2.0/authorize` : `${host}/${tenantId}/oauth2/authorize`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'azp', 'appid', 'roles', 'ver'],
    tenant_region_scope: null,
    cloud_instance_name: 'local',
  };
}

function basicCredentials(header: string | undefined): BasicCredentials | undefined {
  if (header === undefined || !header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { clientId: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}
