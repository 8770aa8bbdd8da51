import { decodeJwt } from 'jose';
import { attackByCode } from '../../gate/attacks/registry';
import { InvalidInputError } from '../../errors';
import type { DirectorySpec } from '../entra';
import { AUTHORIZER_FLAWS, type AuthorizerFlaw } from '../gateway/authorizer-flaws';
import type { GatewayDefinition } from '../gateway';
import { listen, sendJson, type RunningServer } from '../server';

const MISCONFIGURATIONS = ['open-api', 'ignore-signature', 'issuer-v1', 'wrong-audience', 'subject-names', 'fic-audience'] as const;
type Misconfiguration = (typeof MISCONFIGURATIONS)[number];

/** Misconfigurations the rehearsal can inject, then one authorizer flaw per attack (its code), to show the gate catching them. */
export const BREAK_MODES: readonly BreakMode[] = [...MISCONFIGURATIONS, ...AUTHORIZER_FLAWS];
export type BreakMode = Misconfiguration | AuthorizerFlaw;

const MISCONFIGURATION_DESCRIPTIONS: Record<Misconfiguration, string> = {
  'open-api': 'routes deployed without the authorizer (authorization_type NONE)',
  'ignore-signature': 'an authorizer that decodes tokens without checking the signature',
  'issuer-v1': 'the authorizer trusts the v1 issuer (sts…/) while the API issues v2 tokens',
  'wrong-audience': 'the authorizer expects the App ID URI while v2 tokens carry the client id',
  'subject-names': 'the federated credential trusts a name-only subject while the repository presents the immutable one (owner@id/repo@id)',
  'fic-audience': 'the federated credential lists the US Gov audience while the runner asks GitHub for api://AzureADTokenExchange',
};

/** What a mode imitates, for the progress line. */
export function describeBreakMode(mode: BreakMode): string {
  if (mode in MISCONFIGURATION_DESCRIPTIONS) return MISCONFIGURATION_DESCRIPTIONS[mode as Misconfiguration];
  return `an authorizer that falls for ${mode} (${attackByCode(mode)?.title ?? mode})`;
}

/** Whether a mode is one attack's authorizer flaw (started with gatewayFlaw) rather than a misconfiguration. */
export function isAuthorizerFlaw(mode: BreakMode): mode is AuthorizerFlaw {
  return !(MISCONFIGURATIONS as readonly string[]).includes(mode);
}

/**
 * Reads `--break MODE`. The one-line refusal lists the misconfigurations and points at the attack
 * table for the rest: fifty codes in one error line would bury the fix.
 */
export function parseBreakMode(text: string, flag = '--break'): BreakMode {
  if ((BREAK_MODES as readonly string[]).includes(text)) return text as BreakMode;
  throw new InvalidInputError(
    flag,
    text,
    `one of ${MISCONFIGURATIONS.join(', ')}, or an attack code from the README's attack table (e.g. ${AUTHORIZER_FLAWS.slice(0, 2).join(', ')}, key-confusion-pem)`,
  );
}

/** Modes that break the identity (the exchange must fail), not the gateway. */
export const IDENTITY_BREAKS: ReadonlySet<BreakMode> = new Set(['subject-names', 'fic-audience']);

/** Config overrides for the caller under a break mode (pure). */
export function breakCallerConfig(mode: BreakMode | undefined): Record<string, unknown> {
  // A credential made for a repository older than 2026-07-15, presented with today's default subject.
  return mode === 'subject-names' ? { subjectFormat: 'names' } : {};
}

/** Applies an identity fault to the directory loaded from the stack (pure). */
export function breakDirectory(directory: DirectorySpec, mode: BreakMode | undefined): DirectorySpec {
  if (mode !== 'fic-audience') return directory;
  const tenants = Object.fromEntries(
    Object.entries(directory.tenants).map(([id, tenant]) => [
      id,
      {
        ...tenant,
        applications: (tenant.applications ?? []).map((app) => ({
          ...app,
          federatedCredentials: (app.federatedCredentials ?? []).map((credential) => ({ ...credential, audiences: ['api://AzureADTokenExchangeUSGov'] })),
        })),
      },
    ]),
  );
  return { tenants };
}

/** What `--fault` can switch on in the rehearsal's emulators. */
export interface RehearsalFaults {
  /** Entra's directory replication after a fresh deploy (seconds; see the Entra emulator's faults). */
  readonly replicationDelaySeconds?: number;
}

/** Reads one `--fault NAME=VALUE`: today `replication-delay=SECONDS` (0–3600). */
export function parseRehearsalFault(text: string, flag = '--fault'): RehearsalFaults {
  const match = /^replication-delay=(\d{1,4})$/.exec(text);
  const seconds = match ? Number(match[1]) : NaN;
  if (!(seconds >= 0 && seconds <= 3600)) throw new InvalidInputError(flag, text, 'replication-delay=SECONDS, a whole number of seconds from 0 to 3600');
  return { replicationDelaySeconds: seconds };
}

/** Applies a definition-level fault (pure); `ignore-signature` needs {@link startCarelessApi} instead. */
export function breakDefinition(definition: GatewayDefinition, mode: BreakMode, v1Issuer: string): GatewayDefinition {
  switch (mode) {
    case 'open-api':
      return {
        ...definition,
        routes: definition.routes.map(({ authorizerId: _a, authorizationScopes: _s, ...r }) => ({ ...r, authorizationType: 'NONE' as const })),
      };
    case 'issuer-v1':
      return { ...definition, authorizers: definition.authorizers.map((a) => ({ ...a, issuer: v1Issuer })) };
    case 'wrong-audience':
      return { ...definition, authorizers: definition.authorizers.map((a) => ({ ...a, audiences: a.audiences.map((aud) => `api://${aud}`) })) };
    default:
      return definition;
  }
}

/**
 * An API whose "authorizer" only decodes the token and checks iss, aud and exp — the careless
 * pattern of emulators and hand-written middleware that never verify signatures.
 */
export function startCarelessApi(trust: { issuer: string; audiences: readonly string[] }): Promise<RunningServer> {
  return listen((req, res) => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : header;
    try {
      const claims = decodeJwt(token);
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      const fresh = typeof claims.exp !== 'number' || claims.exp * 1000 > Date.now();
      if (claims.iss === trust.issuer && audiences.some((a) => a !== undefined && trust.audiences.includes(a)) && fresh) {
        sendJson(res, 200, { message: 'hello (signature never checked)', sub: claims.sub });
        return;
      }
    } catch {
      // not a JWT: refused below
    }
    sendJson(res, 401, { message: 'Unauthorized' });
  });
}
