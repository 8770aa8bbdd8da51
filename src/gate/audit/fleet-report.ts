import { authorizerLabel, type DeployedApi, type RouteAuthorization } from '../control-plane/types';
import type { Finding } from '../findings';
import { auditApi } from './run';
import type { AuditInput } from './types';

/** One API of an `audit` run: its routes and what the audit found, or why it could not be read. */
export interface AuditedApi {
  readonly apiId: string;
  readonly name?: string;
  readonly stage?: string;
  readonly routes: readonly { readonly routeKey: string; readonly authorization: RouteAuthorization; readonly authorizer?: string }[];
  readonly findings: readonly Finding[];
  /** Why the API could not be read (it then counts as failed). */
  readonly error?: string;
}

/** The `audit` command's report: safe to print (the control plane holds no secret). */
export interface AuditReport {
  /** No failure finding, and every API was read. */
  readonly pass: boolean;
  readonly region?: string;
  readonly startedAt: string;
  readonly ms: number;
  readonly apis: readonly AuditedApi[];
  readonly summary: { readonly apis: number; readonly failures: number; readonly warnings: number; readonly unreadable: number };
  /** Control-plane calls AWS throttled (TooManyRequestsException) and the audit retried. */
  readonly throttled: number;
}

export interface FleetAuditSettings extends Omit<AuditInput, 'api' | 'publicRoutes'> {
  readonly publicRoutes?: readonly string[];
  readonly allowAuthorizers?: readonly string[];
}

/** Pure: audits one API read from the control plane, as a row of the fleet report. */
export function auditedApi(api: DeployedApi, settings: FleetAuditSettings): AuditedApi {
  const findings = auditApi({ ...settings, api, publicRoutes: new Set(settings.publicRoutes ?? []) }, { allowAuthorizers: settings.allowAuthorizers ?? [] });
  return {
    apiId: api.apiId,
    ...(api.name !== undefined ? { name: api.name } : {}),
    ...(api.stage ? { stage: api.stage.name } : {}),
    routes: api.routes.map((route) => {
      const authorizer = route.authorizationType && route.authorizationType !== 'NONE' ? authorizerLabel(api, route) : undefined;
      return { routeKey: route.routeKey, authorization: route.authorizationType ?? 'NONE', ...(authorizer !== undefined ? { authorizer } : {}) };
    }),
    findings,
  };
}

/** Pure: the fleet report from each API's row (in the order given). */
export function buildAuditReport(
  apis: readonly AuditedApi[],
  run: { readonly startedAt: number; readonly ms: number; readonly region?: string; readonly throttled: number },
): AuditReport {
  const all = apis.flatMap((a) => a.findings);
  const failures = all.filter((f) => f.severity === 'failure').length;
  const unreadable = apis.filter((a) => a.error !== undefined).length;
  return {
    pass: failures === 0 && unreadable === 0,
    ...(run.region !== undefined ? { region: run.region } : {}),
    startedAt: new Date(run.startedAt).toISOString(),
    ms: run.ms,
    apis,
    summary: { apis: apis.length, failures, warnings: all.length - failures, unreadable },
    throttled: run.throttled,
  };
}
