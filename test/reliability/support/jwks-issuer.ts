import type { ServerResponse } from 'node:http';
import { listen, sendJson, type RunningServer } from '../../../src/local/server';
import { createTestIssuer, type TestIssuer } from '../../gate/helpers/issuer';

/** How the issuer's JWKS endpoint behaves; discovery always answers at once. */
export type JwksBehaviour =
  | { readonly kind: 'ok'; readonly delayMs?: number }
  /** Destroys the connection: the keys cannot be fetched at all. */
  | { readonly kind: 'reset' }
  | { readonly kind: 'status'; readonly status: number };

export interface JwksIssuer extends RunningServer {
  /** Signs tokens whose `iss` is this server's URL. */
  readonly tokens: TestIssuer;
  /** JWKS requests answered or broken so far. */
  readonly jwksRequests: number;
  setJwks(behaviour: JwksBehaviour): void;
}

/**
 * An OIDC issuer on loopback whose JWKS can be made slow or dead, to see what an API Gateway
 * JWT authorizer (the gateway emulator: 1500 ms per fetch [AWS-Q]) makes of it.
 */
export async function startJwksIssuer(audience: string, behaviour: JwksBehaviour = { kind: 'ok' }): Promise<JwksIssuer> {
  let current = behaviour;
  let jwksRequests = 0;
  let base = '';
  const answerJwks = async (res: ServerResponse): Promise<void> => {
    jwksRequests += 1;
    const now = current;
    if (now.kind === 'reset') {
      res.socket?.destroy();
      return;
    }
    if (now.kind === 'status') return sendJson(res, now.status, { error: 'injected' });
    if (now.delayMs) await new Promise((resolve) => setTimeout(resolve, now.delayMs));
    if (!res.destroyed) sendJson(res, 200, tokens.jwks);
  };
  const server = await listen(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://issuer').pathname;
    if (path === '/.well-known/openid-configuration')
      return sendJson(res, 200, { issuer: base, jwks_uri: `${base}/keys`, id_token_signing_alg_values_supported: ['RS256'] });
    if (path === '/keys') return answerJwks(res);
    return sendJson(res, 404, { error: 'not_found' });
  });
  base = server.url;
  const tokens = await createTestIssuer({ issuer: base, audience });
  return {
    ...server,
    tokens,
    get jwksRequests() {
      return jwksRequests;
    },
    setJwks(next) {
      current = next;
    },
  };
}
