import type { Cloud } from '../contract';
import { parseBearerToken } from '../contract/input-values';
import type { ExchangeContext } from './aadsts';
import { assertionSource } from './assertion-source';
import { decodeClaimsForLogging, describeClaimsForLogging, type LoggableClaims } from './decode-claims';
import { exchangeForAccessToken, type ExchangeOptions } from './exchange';
import { requestGithubIdToken, type GetIdToken } from './request-id-token';
import { runTokenCommand } from './token-command';

interface EntraApp {
  /** `{authorityHost}/{tenant}/oauth2/v2.0/token`. */
  readonly tokenEndpoint: string;
  /** The caller app's client id. */
  readonly clientId: string;
  /** `<App ID URI>/.default`. */
  readonly scope: string;
}

/** Where the access token for the gate comes from. */
export type TokenSourceConfig =
  /** A token the user already has. */
  | { readonly kind: 'given'; readonly token: string }
  /** A command that prints a token, e.g. `az account get-access-token ... -o tsv`. */
  | { readonly kind: 'command'; readonly command: string; readonly timeoutMs?: number; readonly env?: NodeJS.ProcessEnv }
  /** Client credentials with a secret. */
  | (EntraApp & { readonly kind: 'client-secret'; readonly clientSecret: string })
  /** GitHub OIDC token exchanged at Entra (workload identity federation). */
  | (EntraApp & {
      readonly kind: 'github-oidc';
      readonly getIDToken: GetIdToken;
      /** @default cloud.federationAudience */
      readonly audience?: string;
      readonly cloud?: Cloud;
      /** The federated credential's configuration, for expected-vs-presented messages. */
      readonly expected?: ExchangeContext['expected'];
    });

export type TokenSourceKind = TokenSourceConfig['kind'];

export interface TokenSourceDeps {
  /** Called with every token the moment it exists (pass `core.setSecret`). */
  readonly mask?: (token: string) => void;
  readonly log?: (line: string) => void;
  readonly fetch?: typeof fetch;
  readonly retry?: ExchangeOptions['retry'];
  readonly propagationAttempts?: number;
  /** Stops at once (Ctrl-C): the call rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Retry replication refusals until the deadline (right after the identity stack changed, or when asked). */
  readonly awaitReplication?: boolean;
  /** Called with each replication refusal retried while waiting (AADSTS code). */
  readonly onReplicationWait?: (code: string) => void;
}

export interface AcquiredToken {
  readonly source: TokenSourceKind;
  readonly token: string;
  /** Decode-only claims for logs and hints. */
  readonly claims: LoggableClaims;
  /** Mints a genuine token for another scope, when the source talks to Entra itself. */
  readonly mintForScope?: (scope: string) => Promise<string>;
}

/** Gets the access token from the configured source, masking it (and any assertion) on arrival. */
export async function acquireToken(config: TokenSourceConfig, deps: TokenSourceDeps = {}): Promise<AcquiredToken> {
  const log = deps.log ?? (() => undefined);
  const mask = deps.mask ?? (() => undefined);
  const done = (token: string, mintForScope?: (scope: string) => Promise<string>): AcquiredToken => {
    const claims = decodeClaimsForLogging(token);
    log(`access token from ${config.kind}: ${describeClaimsForLogging(claims)}`);
    return { source: config.kind, token, claims, ...(mintForScope ? { mintForScope } : {}) };
  };
  const exchangeDeps = {
    mask,
    log,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.retry ? { retry: deps.retry } : {}),
    ...(deps.propagationAttempts !== undefined ? { propagationAttempts: deps.propagationAttempts } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(deps.awaitReplication !== undefined ? { awaitReplication: deps.awaitReplication } : {}),
    ...(deps.onReplicationWait ? { onReplicationWait: deps.onReplicationWait } : {}),
  };

  switch (config.kind) {
    case 'given': {
      if (typeof config.token !== 'string' || config.token.trim() === '') throw new TypeError('acquireToken: "token" must be a non-empty string');
      const token = config.token.trim();
      mask(token);
      return done(parseBearerToken('token', token)!);
    }
    case 'command': {
      const token = await runTokenCommand({
        command: config.command,
        mask,
        ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
        ...(config.env ? { env: config.env } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
      });
      return done(token);
    }
    case 'client-secret': {
      mask(config.clientSecret);
      const mint = async (scope: string): Promise<string> =>
        (
          await exchangeForAccessToken({
            ...exchangeDeps,
            tokenEndpoint: config.tokenEndpoint,
            clientId: config.clientId,
            scope,
            clientSecret: config.clientSecret,
          })
        ).accessToken;
      return done(await mint(config.scope), mint);
    }
    case 'github-oidc': {
      // GitHub tokens live about 5 minutes: each exchange asks for its own, and a retry loop asks again
      // once the one in hand is 60 s old (or after a replication refusal), never presenting a stale one.
      const mint = async (scope: string): Promise<string> => {
        const assertions = assertionSource({
          request: async () => {
            const assertion = await requestGithubIdToken({
              getIDToken: config.getIDToken,
              mask,
              ...(config.audience !== undefined ? { audience: config.audience } : {}),
              ...(config.cloud ? { cloud: config.cloud } : {}),
              ...(deps.signal ? { signal: deps.signal } : {}),
            });
            log(`GitHub OIDC token: ${describeClaimsForLogging(decodeClaimsForLogging(assertion))}`);
            return assertion;
          },
          ...(deps.retry?.now ? { now: deps.retry.now } : {}),
        });
        const exchanged = await exchangeForAccessToken({
          ...exchangeDeps,
          tokenEndpoint: config.tokenEndpoint,
          clientId: config.clientId,
          scope,
          assertion: assertions,
          ...(config.expected ? { expected: config.expected } : {}),
        });
        return exchanged.accessToken;
      };
      return done(await mint(config.scope), mint);
    }
  }
}
