import { appendFileSync, writeSync } from 'node:fs';
import { EOL } from 'node:os';
import { Redactor, maskCommands } from '../src/redact';

/**
 * The few runner commands the action needs on every run, written here against the documented
 * workflow-command and environment-file formats (docs.github.com, "Workflow commands for GitHub
 * Actions"), so nothing reaches into @actions/core's private files. The full @actions/core pulls in
 * its HTTP client at load time, which alone costs more than a bare node start; it is loaded only for
 * the OIDC token (action/toolkit.ts).
 */

/** Same lookup as core.getInput: `INPUT_` + upper-cased name, spaces as underscores, hyphens kept. */
export function getInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** Every secret masked so far: nothing this action writes (log, outputs, summary) holds a run of one. */
const known = new Redactor();

/**
 * Masks a secret in the runner's log: the value, each of its lines (the runner masks line by line)
 * and each long segment (half a JWT). Our own output is redacted against it as well.
 */
export function setSecret(secret: string): void {
  for (const line of maskCommands(secret)) writeLine(line);
  known.add(secret);
}

/** Text with every run of a masked secret replaced, for what the runner does not mask (files, outputs). */
export function redact(text: string): string {
  return known.redact(text);
}

export function setFailed(message: string): void {
  process.exitCode = 1;
  issueCommand('error', {}, message);
}

export function error(message: string, properties: { title?: string } = {}): void {
  issueCommand('error', { title: properties.title }, message);
}

export function warning(message: string): void {
  issueCommand('warning', {}, message);
}

export function info(message: string): void {
  writeLine(redact(message));
}

export function debug(message: string): void {
  issueCommand('debug', {}, message);
}

export function setOutput(name: string, rawValue: string): void {
  const value = redact(rawValue);
  const file = process.env['GITHUB_OUTPUT'];
  if (file) {
    appendFileSync(file, `${keyValueMessage(name, value)}${EOL}`, 'utf8');
    return;
  }
  writeLine('');
  issueCommand('set-output', { name }, value);
}

/** A foldable log group around `fn`. */
export async function group<T>(title: string, fn: () => Promise<T>): Promise<T> {
  issueCommand('group', {}, title);
  try {
    return await fn();
  } finally {
    issueCommand('endgroup', {}, '');
  }
}

/**
 * Appends Markdown to the step's job summary ($GITHUB_STEP_SUMMARY), redacted like everything else
 * we write; nothing when the runner gave no summary file (a local run).
 */
export function appendSummary(markdown: string): void {
  const file = process.env['GITHUB_STEP_SUMMARY'];
  if (file) appendFileSync(file, redact(markdown), 'utf8');
}

/** The full toolkit, for getIDToken. */
export async function fullCore(): Promise<typeof import('./toolkit')> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain require keeps the bundle's file name resolvable
  return require('./toolkit') as typeof import('./toolkit');
}

/**
 * Writes a workflow command (`::name key=value::message`) with the toolkit's escaping. Written with
 * fs.writeSync: the first touch of process.stdout loads node's stream modules, which alone costs a
 * tenth of a bare node start — too much for a run that only rejects an input.
 */
function issueCommand(command: string, properties: Record<string, string | undefined>, message: string): void {
  const props = Object.entries(properties)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => `${key}=${escapeProperty(redact(value))}`)
    .join(',');
  writeLine(`::${command}${props ? ` ${props}` : ''}::${escapeData(redact(message))}`);
}

/**
 * `name<<DELIMITER`, the value, `DELIMITER`: the multi-line form of an environment file. The delimiter
 * is random, so no value can end the block early and smuggle in another output.
 */
function keyValueMessage(name: string, value: string): string {
  // On use: node:crypto is a cost that bad-input runs need not pay.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { randomUUID } = require('node:crypto') as typeof import('node:crypto');
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`output ${name}: the value holds its own delimiter`);
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}`;
}

function writeLine(line: string): void {
  const bytes = Buffer.from(line + EOL, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset);
    } catch (error) {
      // A non-blocking pipe that is full: wait a millisecond and write the rest.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
