import { startGateway, type GatewayEmulator, type GatewayOptions } from '../../../../src/local/gateway';
import type { GatewayDefinition, RouteDefinition } from '../../../../src/local/gateway';

/** Anything with close(); collected so afterEach can close every server a test started. */
const open: Array<{ close(): Promise<void> }> = [];

export function track<T extends { close(): Promise<void> }>(server: T): T {
  open.push(server);
  return server;
}

export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((server) => server.close()));
}

export async function gateway(options: GatewayOptions): Promise<GatewayEmulator> {
  return track(await startGateway(options));
}

/** A one-authorizer definition: `GET /hello` (JWT), `GET /scoped` (JWT + scopes), `GET /open` (NONE). */
export function jwtDefinition(issuer: string, audiences: string[], extra: { identitySources?: string[]; routes?: RouteDefinition[] } = {}): GatewayDefinition {
  return {
    authorizers: [{ id: 'entra', issuer, audiences, ...(extra.identitySources ? { identitySources: extra.identitySources } : {}) }],
    routes: extra.routes ?? [
      { routeKey: 'GET /hello', authorizationType: 'JWT', authorizerId: 'entra' },
      { routeKey: 'GET /scoped', authorizationType: 'JWT', authorizerId: 'entra', authorizationScopes: ['orders.read', 'orders.write'] },
      { routeKey: 'GET /open' },
    ],
  };
}

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

/** One request through real HTTP; the body is parsed as JSON when it can be. */
export async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, headers: response.headers };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
