import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import * as workflow from './runner';
import { resolveCloud } from '../src/contract/clouds';
import { GuardError, InvalidInputError, errorMessage } from '../src/errors';
import type { FlowLabels } from '../src/gate/mermaid';
import { outcomeOfError } from '../src/gate/summary';
import type { DeployOutputs } from '../src/deploy/outputs';
import type { DeployedApp } from './deploy-app';
import { readInputs } from './inputs';
import { flowLabels, publishReport, publishSummary } from './publish';

/**
 * The action, and its verify sub-action (verify/action.yml runs this same entry; readInputs tells them
 * apart): read every input once, deploy and/or gate, publish outputs; one catch, one failure line.
 * Every outcome, failures included, leaves a job summary.
 */
export async function run(): Promise<void> {
  let summarized = false;
  let labels: FlowLabels | undefined;
  try {
    // Mask a given token before anything else can print it (even one the input check will refuse).
    const givenToken = workflow.getInput('token').trim();
    if (givenToken !== '') workflow.setSecret(givenToken);
    const inputs = readInputs(
      (name) => workflow.getInput(name),
      (line) => workflow.warning(line),
    );
    const env = process.env;
    const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
    checkWorkingDirectory(workspace, inputs.workingDirectory);
    // The cloud input wins when set; else the deployed config's cloud, else public.
    let cloud = resolveCloud(inputs.cloud ?? 'public', inputs.authorityHost);
    const getIDToken = async (audience?: string) => (await workflow.fullCore()).getIDToken(audience);
    const mask = (secret: string) => workflow.setSecret(secret);

    let deployed: DeployedApp | undefined;
    if (inputs.command !== 'verify') {
      // A separate file in the bundle: verify-only runs never parse cdktf or the providers.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain require keeps the bundle's file name resolvable
      const { deployApp } = require('./deploy-app') as typeof import('./deploy-app');
      deployed = await deployApp(inputs, {
        env,
        workspace,
        cloud,
        getIDToken,
        mask,
        log: { info: (line) => workflow.info(line), warning: (line) => workflow.warning(line), group: (title, fn) => workflow.group(title, fn) },
      });
      publishDeployOutputs(deployed.outputs);
      cloud = deployed.cloud;
    }
    if (inputs.command === 'verify' || inputs.command === 'deploy-and-verify') {
      // Loaded on use: parsing the inputs stays as cheap as a bare node start.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { gateApi } = require('./gate') as typeof import('./gate');
      labels = flowLabels(inputs, deployed);
      const { report, apiUrl } = await gateApi(
        inputs,
        { cloud, getIDToken, mask, log: (line) => workflow.info(line), warn: (line) => workflow.warning(line) },
        deployed,
      );
      publishReport(report, apiUrl, inputs, { workspace, env }, labels, deployed);
      summarized = true;
      for (const f of report.findings) {
        const where = f.routeKey ?? (f.authorizer !== undefined ? `authorizer ${f.authorizer}` : 'API');
        if (f.severity === 'failure') workflow.error(`${where}: ${f.message}. Fix: ${f.fix}`, { title: `audit ${f.code}` });
        else workflow.warning(`audit ${f.code}: ${where}: ${f.message}. Fix: ${f.fix}`);
      }
      if (!report.pass) {
        for (const f of report.failures) workflow.error(`${f.probe}: ${f.reason}. Fix: ${f.fix}`, { title: `gate ${f.code}` });
        const { GateFailedError } = require('../src/gate/errors') as typeof import('../src/gate/errors'); // eslint-disable-line @typescript-eslint/no-require-imports
        throw new GateFailedError({ pass: false, failures: report.failures, warnings: report.warnings }, report.findings);
      }
      for (const w of report.warnings) workflow.warning(w);
      workflow.info(`gate passed: ${report.probes.length} probes against ${apiUrl}`);
    } else if (deployed) {
      publishSummary({ kind: 'deployed', mode: inputs.command, stacks: deployed.result.stacks.map(({ name, changed }) => ({ name, changed })) });
      summarized = true;
    }
  } catch (error) {
    const detail = (error as { detail?: unknown } | null)?.detail;
    if (typeof detail === 'string' && detail !== '') workflow.info(detail);
    if (error instanceof Error && !(error instanceof GuardError) && error.stack) workflow.debug(error.stack);
    if (!summarized) publishSummary(outcomeOfError(error, labels));
    workflow.setFailed(errorMessage(error));
  }
}

/** A working-directory that is not there would otherwise deploy (or fail) somewhere else. */
function checkWorkingDirectory(workspace: string, workingDirectory: string): void {
  const dir = resolve(workspace, workingDirectory);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InvalidInputError('working-directory', workingDirectory, `an existing folder relative to the workspace (${dir} does not exist)`);
  }
}

const OUTPUT_NAMES: Record<keyof DeployOutputs, string> = {
  apiUrl: 'api-url',
  apiId: 'api-id',
  tenantId: 'tenant-id',
  apiClientId: 'api-client-id',
  identifierUri: 'identifier-uri',
  callerClientId: 'caller-client-id',
  scope: 'scope',
  issuer: 'issuer',
  audiences: 'audiences',
  tokenEndpoint: 'token-endpoint',
  decoyScope: 'decoy-scope',
};

function publishDeployOutputs(outputs: DeployOutputs): void {
  for (const [key, name] of Object.entries(OUTPUT_NAMES) as [keyof DeployOutputs, string][]) {
    const value = outputs[key];
    if (value === undefined) continue;
    workflow.setOutput(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
}
