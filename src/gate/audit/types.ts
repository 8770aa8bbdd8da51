import type { DeployedApi } from '../control-plane/types';
import type { FindingSeverity } from '../findings';

/** Who calls the API: app-only tokens (pipelines, daemons) carry `roles`, never `scp`. */
export type Callers = 'app-only' | 'delegated' | 'mixed';

/** Everything the audit rules look at; read once, then judged by pure functions. */
export interface AuditInput {
  readonly api: DeployedApi;
  /**
   * What the authorizers should trust: the contract's issuer and audiences when we deployed the stacks,
   * otherwise the valid token's `iss` and `aud`. Rules that compare with it stay silent without it.
   */
  readonly reference?: { readonly issuer?: string; readonly audiences?: readonly string[] };
  /** Route keys declared public (`--public-route`, `public-routes`, config `public: true`). */
  readonly publicRoutes: ReadonlySet<string>;
  /** @default 'app-only' (the callers this project deploys for) */
  readonly callers?: Callers;
  /** The route keys our config declares, when we deployed it: drift is reported against them. */
  readonly declaredRoutes?: readonly string[];
  /** Whether the stage was read (the offline rehearsal without a control plane has none). @default true */
  readonly stageRead?: boolean;
}

/** One thing a rule found; the runner adds the rule's code, severity, fix and reference. */
export interface AuditHit {
  readonly message: string;
  /** Overrides the rule's fix when the hit knows better (e.g. names the right issuer). */
  readonly fix?: string;
  readonly routeKey?: string;
  /** The authorizer it is about: suppressible by `--allow-authorizer` with its name or id. */
  readonly authorizer?: { readonly id: string; readonly name?: string };
}

/**
 * One audit rule, checkov-style: a stable `code` users see, search for and suppress (never changed once
 * published), a title worded as the intent, and a pure check. Suppression is the runner's job, by kind.
 */
export interface AuditRule {
  readonly code: string;
  /** The intent, e.g. `Every route needs an authorizer unless declared public`. */
  readonly title: string;
  readonly severity: FindingSeverity;
  /** How a user accepts a hit on purpose, if they can. */
  readonly suppressedBy?: 'public-route' | 'allow-authorizer';
  /** Where the rule comes from, e.g. a checkov id or a protocols.md section. */
  readonly reference?: string;
  readonly fix: string;
  check(input: AuditInput): readonly AuditHit[];
}
