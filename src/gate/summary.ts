import { STEP_SUMMARY_LIMIT_BYTES, mdCode, mdFence, mdText, truncateMarkdown } from './markdown';
import { exchangeFailedDiagram, gateFlowDiagram, type FlowLabels } from './mermaid';
import { renderGateMarkdown, type GateReport } from './report';

/**
 * The job summary for every way a run ends. Pure: the action decides the outcome, redacts and
 * writes. Everything from outside (the API, terraform, Entra, claims) goes through the escaping of
 * ./markdown and ./mermaid.
 */
export type RunOutcome =
  /** The gate ran: passed or failed, after a deploy or not. */
  | { readonly kind: 'gate'; readonly report: GateReport; readonly labels: FlowLabels; readonly deployed?: readonly DeployedStack[] }
  /** A deploy (apply, plan or destroy) without a gate finished. */
  | { readonly kind: 'deployed'; readonly mode: string; readonly stacks: readonly DeployedStack[] }
  | {
      readonly kind: 'deploy-failed';
      readonly code: string;
      readonly message: string;
      readonly stack?: string;
      readonly step?: string;
      readonly detail?: string;
    }
  | {
      readonly kind: 'exchange-failed';
      readonly code: string;
      readonly message: string;
      readonly aadsts?: string;
      /** Claims of the GitHub token the exchange presented; never the token. */
      readonly presented?: { readonly iss?: string; readonly sub?: string; readonly aud?: string };
      readonly labels?: FlowLabels;
    }
  /** Anything else: a bad input, a config error. */
  | { readonly kind: 'failed'; readonly code: string; readonly message: string };

export interface DeployedStack {
  readonly name: string;
  readonly changed: boolean;
}

const TITLE = 'entra-api-guard';

export interface SummaryOptions {
  /** @default GitHub's 1 MiB */
  readonly limitBytes?: number;
  /** Hides secrets; applied before the cut, so no cut can leave a secret's piece too short to be recognised. */
  readonly redact?: (text: string) => string;
}

/** The summary for an outcome, redacted and cut to fit GitHub's step-summary limit with a note. */
export function renderJobSummary(outcome: RunOutcome, options: SummaryOptions = {}): string {
  const limitBytes = options.limitBytes ?? STEP_SUMMARY_LIMIT_BYTES;
  const markdown = render(outcome);
  return truncateMarkdown(
    options.redact ? options.redact(markdown) : markdown,
    limitBytes,
    (shown, total) =>
      `> **Summary truncated**: ${total} bytes is over GitHub's ${Math.round(limitBytes / 1024)} KiB step-summary limit, so only the first ${shown} bytes are shown. The whole report is in the \`report-file\` output.`,
  );
}

function render(outcome: RunOutcome): string {
  switch (outcome.kind) {
    case 'gate': {
      const deployed = outcome.deployed && outcome.deployed.length > 0 ? `Deployed: ${stackList(outcome.deployed)}.\n\n` : '';
      return `${deployed}${renderGateMarkdown(outcome.report)}\n#### How a request flows\n\n${gateFlowDiagram(outcome.report, outcome.labels)}\n`;
    }
    case 'deployed':
      return `### ${TITLE}: ✅ ${mdText(outcome.mode)} done\n\n${stackList(outcome.stacks)}.\n`;
    case 'deploy-failed': {
      const where =
        outcome.stack !== undefined ? `Stack **${mdText(outcome.stack)}**${outcome.step !== undefined ? ` (terraform ${mdText(outcome.step)})` : ''}: ` : '';
      const detail = outcome.detail ? `\n\n<details open><summary>terraform's error</summary>\n\n${mdFence(outcome.detail)}\n\n</details>` : '';
      return `### ${TITLE}: ❌ deploy failed\n\n${where}${mdText(outcome.message)} ${mdCode(outcome.code)}${detail}\n`;
    }
    case 'exchange-failed': {
      const lines = [
        `### ${TITLE}: ❌ token exchange failed${outcome.aadsts !== undefined ? ` (AADSTS${mdText(outcome.aadsts)})` : ''}`,
        '',
        `${mdText(outcome.message)} ${mdCode(outcome.code)}`,
      ];
      const p = outcome.presented;
      if (p) {
        lines.push('', 'The GitHub OIDC token this run presented (its claims; never the token):', '', '| claim | value |', '|---|---|');
        for (const claim of ['iss', 'sub', 'aud'] as const) lines.push(`| \`${claim}\` | ${p[claim] !== undefined ? mdCode(p[claim]) : '(none)'} |`);
      }
      if (outcome.labels) lines.push('', exchangeFailedDiagram(outcome.labels, outcome.aadsts !== undefined ? `AADSTS${outcome.aadsts}` : outcome.code));
      return `${lines.join('\n')}\n`;
    }
    case 'failed':
      return `### ${TITLE}: ❌ failed\n\n${mdText(outcome.message)} ${mdCode(outcome.code)}\n`;
  }
}

function stackList(stacks: readonly DeployedStack[]): string {
  return stacks.map((s) => `${mdText(s.name)} (${s.changed ? 'changed' : 'no changes'})`).join(', ');
}

/** Codes of failures before the gate ran, by the step they stopped: errors are told apart by their stable code. */
const EXCHANGE_CODES = new Set(['ERR_TOKEN_EXCHANGE_FAILED', 'ERR_ID_TOKEN_UNAVAILABLE', 'ERR_TOKEN_COMMAND_FAILED']);
const DEPLOY_CODES = new Set([
  'ERR_TERRAFORM_MISSING',
  'ERR_TERRAFORM_FAILED',
  'ERR_STATE_LOCKED',
  'ERR_LOCAL_BACKEND_IN_CI',
  'ERR_MANIFEST',
  'ERR_SYNTH_FAILED',
  'ERR_INTERRUPTED',
]);

/**
 * The outcome of a run that threw. By `code`, not `instanceof`: the action's bundle is split in
 * files that each hold their own copy of the error classes.
 */
export function outcomeOfError(error: unknown, labels?: FlowLabels): RunOutcome {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const text = (key: string): string | undefined => (typeof e[key] === 'string' && e[key] !== '' ? (e[key] as string) : undefined);
  const message = error instanceof Error ? error.message : String(error);
  const code = text('code') ?? 'ERR_UNEXPECTED';
  if (EXCHANGE_CODES.has(code)) {
    const presented = e['presented'] as { iss?: string; sub?: string; aud?: string } | undefined;
    const aadsts = text('aadsts');
    return {
      kind: 'exchange-failed',
      code,
      message,
      ...(aadsts !== undefined ? { aadsts } : {}),
      ...(presented ? { presented } : {}),
      ...(labels ? { labels } : {}),
    };
  }
  if (DEPLOY_CODES.has(code)) {
    const stack = text('stackName');
    const step = text('step');
    const detail = text('detail');
    return {
      kind: 'deploy-failed',
      code,
      message,
      ...(stack !== undefined ? { stack } : {}),
      ...(step !== undefined ? { step } : {}),
      ...(detail !== undefined ? { detail } : {}),
    };
  }
  return { kind: 'failed', code, message };
}
