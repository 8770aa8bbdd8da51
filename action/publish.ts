import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as workflow from './runner';
import type { GateReport } from '../src/gate/report';
import type { FlowLabels } from '../src/gate/mermaid';
import { renderJobSummary, type RunOutcome } from '../src/gate/summary';
import type { DeployedApp } from './deploy-app';
import type { ActionInputs } from './inputs';

/** Where this run is: the workspace its paths are relative to, and the runner's environment. */
export interface RunPlace {
  readonly workspace: string;
  readonly env: Record<string, string | undefined>;
}

/**
 * The gate's results: outputs, the report and SARIF files next to each other in one private folder,
 * and the job summary. Everything written is redacted first.
 */
export function publishReport(report: GateReport, apiUrl: string, inputs: ActionInputs, place: RunPlace, labels: FlowLabels, deployed?: DeployedApp): void {
  // Public routes answer anyone: the unauthenticated status is that of the first route that must refuse.
  const statusOf = (auth: string) => report.probes.find((p) => p.request.auth === auth && p.role !== 'public')?.actual;
  workflow.setOutput('verdict', report.pass ? 'pass' : 'fail');
  workflow.setOutput('api-url', apiUrl);
  workflow.setOutput('report', JSON.stringify(report));
  // Files for upload-artifact and upload-sarif, so no workflow has to echo the report through a shell.
  const folder = runFolder(place.env.RUNNER_TEMP);
  workflow.setOutput('report-file', writePrivate(folder, 'gate-report.json', `${JSON.stringify(report, null, 2)}\n`));
  workflow.setOutput('sarif-file', writePrivate(folder, 'entra-api-guard.sarif', `${JSON.stringify(sarifOf(report, inputs, place), null, 2)}\n`));
  workflow.setOutput('unauthenticated-status', String(statusOf('none') ?? ''));
  workflow.setOutput('authenticated-status', String(statusOf('valid-token') ?? ''));
  publishSummary({ kind: 'gate', report, labels, ...(deployed ? { deployed: deployed.result.stacks.map(({ name, changed }) => ({ name, changed })) } : {}) });
}

/** The job summary of any outcome, redacted and under GitHub's limit; a failure to write it is only a warning. */
export function publishSummary(outcome: RunOutcome): void {
  try {
    workflow.appendSummary(renderJobSummary(outcome, { redact: workflow.redact }));
  } catch (error) {
    workflow.warning(`job summary: could not write it (${(error as Error).message})`);
  }
}

/** The names in the summary's diagram: who asks, who issues, who checks. */
export function flowLabels(inputs: ActionInputs, deployed?: DeployedApp): FlowLabels {
  const outputs = deployed?.outputs ?? {};
  const clientId = inputs.clientId ?? outputs.callerClientId;
  const tenantId = inputs.tenantId ?? outputs.tenantId ?? deployed?.tenantId;
  return {
    caller: inputs.token !== undefined ? 'a given token' : `caller app ${clientId ?? '(unknown)'}`,
    entra: inputs.token !== undefined ? 'its issuer' : `Entra ID ${tenantId ?? ''}`.trim(),
    ...(inputs.token !== undefined ? { exchange: 'issued before this step' } : {}),
    ...(outputs.issuer !== undefined ? { authorizer: outputs.issuer } : {}),
  };
}

function sarifOf(report: GateReport, inputs: ActionInputs, place: RunPlace): unknown {
  // On use: only a run whose gate ran writes SARIF.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { toSarif } = require('../src/gate/sarif') as typeof import('../src/gate/sarif');
  const { sarifConfigFile } = require('../src/gate/sarif-file') as typeof import('../src/gate/sarif-file');
  const { reportFindings } = require('../src/gate/findings') as typeof import('../src/gate/findings');
  /* eslint-enable @typescript-eslint/no-require-imports */
  // Results point to the config input, else cdktf.json in working-directory, else the workflow.
  const dir = resolve(place.workspace, inputs.workingDirectory);
  const configFile = sarifConfigFile(
    place.workspace,
    [...(inputs.configFile !== undefined ? [resolve(dir, inputs.configFile)] : []), join(dir, 'cdktf.json')],
    place.env.GITHUB_WORKFLOW_REF,
  );
  return toSarif(reportFindings(report), configFile ? { configFile } : {});
}

/** `<RUNNER_TEMP or the OS temp dir>/entra-api-guard-XXXXXX`: a private folder per run. */
function runFolder(runnerTemp: string | undefined): string {
  return mkdtempSync(join(runnerTemp || tmpdir(), 'entra-api-guard-'));
}

/** A 0600 file, written whole or not at all, redacted; returns its path. */
function writePrivate(folder: string, name: string, text: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- node:crypto (in json-file) only when writing
  const { writePrivateFileAtomic } = require('../src/json-file') as typeof import('../src/json-file');
  const file = join(folder, name);
  writePrivateFileAtomic(file, workflow.redact(text));
  return file;
}
