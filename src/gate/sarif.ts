import type { Log, Location, ReportingDescriptor, Result } from 'sarif';
import { GATE_FAILURE_TITLES } from './errors';
import type { Finding } from './findings';

/**
 * Findings as a SARIF 2.1.0 log for GitHub code scanning (github/codeql-action/upload-sarif). Pure:
 * the caller reads the config file and writes the result.
 *
 * - Rule ids are our stable codes; a rule's help is its fix (every distinct fix seen for the code).
 * - Each result points to the route key (a logical location) and, when known, to the config file
 *   (a physical location, on the line naming the route). Code scanning refuses a result without a
 *   physical location, so the action falls back to the workflow file.
 * - `partialFingerprints.primaryLocationLineHash` is ours, from code, route, probe and authorizer:
 *   upload-sarif would otherwise hash the file line, and two attacks reported on one line would
 *   merge into one alert.
 */
export interface SarifOptions {
  /** The file the findings are configured in, relative to the repository root with `/` separators. */
  readonly configFile?: {
    readonly uri: string;
    /** Its text, to point each result at the line naming its route; line 1 without it. */
    readonly text?: string;
  };
  /** Descriptions of codes other than the gate's (the audit's rules). */
  readonly titles?: Readonly<Record<string, string>>;
  readonly toolVersion?: string;
}

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

/**
 * GitHub's security severity (CVSS-like, 0–10) for codes that mean an attacker gets in; code scanning
 * shows it as critical/high. Other codes (the API refuses the genuine caller, times out) are errors
 * without one.
 */
const SECURITY_SEVERITY: Readonly<Record<string, string>> = {
  ERR_GATE_OPEN_API: '9.1',
  ERR_GATE_ACCEPTS_FORGED: '9.1',
  ERR_GATE_ACCEPTS_WRONG_AUDIENCE: '8.1',
};

export function toSarif(findings: readonly Finding[], options: SarifOptions = {}): Log {
  const codes = [...new Set(findings.map((f) => f.code))];
  const rules = codes.map((code) =>
    rule(
      code,
      findings.filter((f) => f.code === code),
      options,
    ),
  );
  const results = findings.map((f) => result(f, codes.indexOf(f.code), options));
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'entra-api-guard',
            ...(options.toolVersion !== undefined ? { semanticVersion: options.toolVersion } : {}),
            rules,
          },
        },
        results,
      },
    ],
  };
}

function rule(code: string, findings: readonly Finding[], options: SarifOptions): ReportingDescriptor {
  const fixes = [...new Set(findings.map((f) => f.fix))];
  const title = (GATE_FAILURE_TITLES as Readonly<Record<string, string>>)[code] ?? options.titles?.[code] ?? code;
  const security = SECURITY_SEVERITY[code];
  return {
    id: code,
    shortDescription: { text: title },
    help: { text: fixes.length === 1 ? fixes[0]! : fixes.map((f) => `- ${f}`).join('\n') },
    defaultConfiguration: { level: findings.some((f) => f.severity === 'failure') ? 'error' : 'warning' },
    properties: {
      tags: security !== undefined ? ['security', 'entra-api-guard'] : ['entra-api-guard'],
      ...(security !== undefined ? { 'security-severity': security } : {}),
    },
  };
}

function result(finding: Finding, ruleIndex: number, options: SarifOptions): Result {
  const location = locationOf(finding, options);
  return {
    ruleId: finding.code,
    ruleIndex,
    level: finding.severity === 'failure' ? 'error' : 'warning',
    message: { text: plain(`${finding.probe !== undefined ? `${finding.probe}: ` : ''}${finding.message}. Fix: ${finding.fix}`) },
    ...(location ? { locations: [location] } : {}),
    partialFingerprints: { primaryLocationLineHash: fingerprint(finding) },
    properties: {
      ...(finding.routeKey !== undefined ? { routeKey: finding.routeKey } : {}),
      ...(finding.authorizer !== undefined ? { authorizer: finding.authorizer } : {}),
      ...(finding.reference !== undefined ? { reference: finding.reference } : {}),
      ...(finding.probe !== undefined ? { probe: finding.probe } : {}),
    },
  };
}

function locationOf(finding: Finding, options: SarifOptions): Location | undefined {
  const file = options.configFile;
  const logical = finding.routeKey ?? finding.authorizer;
  if (!file && logical === undefined) return undefined;
  return {
    ...(file
      ? {
          physicalLocation: {
            artifactLocation: { uri: file.uri, uriBaseId: '%SRCROOT%' },
            region: { startLine: lineNaming(file.text, finding) },
          },
        }
      : {}),
    ...(logical !== undefined
      ? {
          logicalLocations: [
            finding.routeKey !== undefined
              ? { name: finding.routeKey, fullyQualifiedName: `routes/${finding.routeKey}`, kind: 'resource' }
              : { name: logical, fullyQualifiedName: `authorizers/${logical}`, kind: 'resource' },
          ],
        }
      : {}),
  };
}

/**
 * The first line naming the finding's route key (or its path alone, as a workflow's `paths:` holds
 * it), else its authorizer, else line 1.
 */
export function lineNaming(text: string | undefined, finding: Pick<Finding, 'routeKey' | 'authorizer'>): number {
  if (text === undefined) return 1;
  const lines = text.split(/\r?\n/);
  const path = finding.routeKey?.split(' ')[1];
  const candidates = [finding.routeKey, path !== undefined && path !== '/' ? path : undefined, finding.authorizer].filter(
    (c): c is string => c !== undefined && c !== '',
  );
  for (const candidate of candidates) {
    // A whole token: `/orders` must not match `/orders-v2`.
    const pattern = new RegExp(`(^|[\\s"',:\\[])${escapeRegExp(candidate)}($|[\\s"',\\]])`);
    const index = lines.findIndex((line) => pattern.test(line));
    if (index >= 0) return index + 1;
  }
  return 1;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * SARIF plain-text messages treat `[text](target)` as a link (§3.11.6): literal brackets are escaped,
 * so text an API chose cannot become one.
 */
function plain(text: string): string {
  return text.replace(/[\\[\]]/g, (c) => `\\${c}`);
}

/** `<16 hex>:1`, the form upload-sarif writes, from what makes the finding itself. */
function fingerprint(finding: Finding): string {
  // On use: node:crypto is a cost a run that never writes SARIF need not pay.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const key = [finding.code, finding.routeKey ?? '', finding.probe ?? '', finding.authorizer ?? ''].join('\u0000');
  return `${createHash('sha256').update(key).digest('hex').slice(0, 16)}:1`;
}

/**
 * `owner/repo/.github/workflows/gate.yml@refs/heads/main` (GITHUB_WORKFLOW_REF) → the workflow file's
 * path in the repository, where a verify-only run is configured.
 */
export function workflowFileOf(workflowRef: string | undefined): string | undefined {
  const match = /^[^/]+\/[^/]+\/(\.github\/workflows\/[^@]+)@/.exec(workflowRef ?? '');
  return match?.[1];
}
