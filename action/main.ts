import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import * as core from './runner';
import { resolveCloud } from '../src/contract/clouds';
import { GuardError, InvalidInputError, errorMessage } from '../src/errors';
import type { GateReport } from '../src/gate/report';
import { renderGateMarkdown } from '../src/gate/report';
import type { DeployOutputs } from '../src/deploy/outputs';
import type { DeployedApp } from './deploy-app';
import { readInputs } from './inputs';

/** The action: read every input once, deploy and/or gate, publish outputs; one catch, one failure line. */
export async function run(): Promise<void> {
  try {
    // Mask a given token before anything else can print it (even one the input check will refuse).
    const givenToken = core.getInput('token').trim();
    if (givenToken !== '') core.setSecret(givenToken);
    const inputs = readInputs((name) => core.getInput(name));
    const env = process.env;
    const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
    checkWorkingDirectory(workspace, inputs.workingDirectory);
    // The cloud input wins when set; else the deployed config's cloud, else public.
    let cloud = resolveCloud(inputs.cloud ?? 'public', inputs.authorityHost);
    const getIDToken = async (audience?: string) => (await core.fullCore()).getIDToken(audience);
    const mask = (secret: string) => core.setSecret(secret);

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
        log: { info: (line) => core.info(line), warning: (line) => core.warning(line), group: (title, fn) => core.group(title, fn) },
      });
      publishDeployOutputs(deployed.outputs);
      cloud = deployed.cloud;
    }
    if (inputs.command === 'verify' || inputs.command === 'deploy-and-verify') {
      // Loaded on use: parsing the inputs stays as cheap as a bare node start.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { gateApi } = require('./gate') as typeof import('./gate');
      const { report, apiUrl } = await gateApi(inputs, { cloud, getIDToken, mask, log: (line) => core.info(line), warn: (line) => core.warning(line) }, deployed);
      await publishReport(report, apiUrl);
      for (const f of report.findings) {
        const where = f.routeKey ?? (f.authorizer !== undefined ? `authorizer ${f.authorizer}` : 'API');
        if (f.severity === 'failure') core.error(`${where}: ${f.message}. Fix: ${f.fix}`, { title: `audit ${f.code}` });
        else core.warning(`audit ${f.code}: ${where}: ${f.message}. Fix: ${f.fix}`);
      }
      if (!report.pass) {
        for (const f of report.failures) core.error(`${f.probe}: ${f.reason}. Fix: ${f.fix}`, { title: `gate ${f.code}` });
        const { GateFailedError } = require('../src/gate/errors') as typeof import('../src/gate/errors'); // eslint-disable-line @typescript-eslint/no-require-imports
        throw new GateFailedError({ pass: false, failures: report.failures, warnings: report.warnings }, report.findings);
      }
      for (const w of report.warnings) core.warning(w);
      core.info(`gate passed: ${report.probes.length} probes against ${apiUrl}`);
    }
  } catch (error) {
    const detail = (error as { detail?: unknown } | null)?.detail;
    if (typeof detail === 'string' && detail !== '') core.info(detail);
    if (error instanceof Error && !(error instanceof GuardError) && error.stack) core.debug(error.stack);
    core.setFailed(errorMessage(error));
  }
}

/** `<RUNNER_TEMP or the OS temp dir>/entra-api-guard-XXXXXX/gate-report.json`: a private folder per run, the file 0600. */
function writeReportFile(text: string, runnerTemp: string | undefined): string {
  // Loaded on use (node:crypto among them): a run that only rejects an input stays as cheap as a bare node start.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { mkdtempSync } = require('node:fs') as typeof import('node:fs');
  const { tmpdir } = require('node:os') as typeof import('node:os');
  const { join } = require('node:path') as typeof import('node:path');
  const { writePrivateFileAtomic } = require('../src/json-file') as typeof import('../src/json-file');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const file = join(mkdtempSync(join(runnerTemp || tmpdir(), 'entra-api-guard-')), 'gate-report.json');
  writePrivateFileAtomic(file, text);
  return file;
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
    core.setOutput(name, typeof value === 'string' ? value : JSON.stringify(value));
  }
}

async function publishReport(report: GateReport, apiUrl: string): Promise<void> {
  // Public routes answer anyone: the unauthenticated status is that of the first route that must refuse.
  const statusOf = (auth: string) => report.probes.find((p) => p.request.auth === auth && p.role !== 'public')?.actual;
  core.setOutput('verdict', report.pass ? 'pass' : 'fail');
  core.setOutput('api-url', apiUrl);
  core.setOutput('report', JSON.stringify(report));
  // A file for upload-artifact, so no workflow has to echo the report through a shell.
  core.setOutput('report-file', writeReportFile(core.redact(`${JSON.stringify(report, null, 2)}\n`), process.env.RUNNER_TEMP));
  core.setOutput('unauthenticated-status', String(statusOf('none') ?? ''));
  core.setOutput('authenticated-status', String(statusOf('valid-token') ?? ''));
  if (process.env.GITHUB_STEP_SUMMARY) await (await core.fullCore()).summary.addRaw(core.redact(renderGateMarkdown(report))).write();
}
