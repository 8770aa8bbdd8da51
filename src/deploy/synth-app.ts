import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from '../json-file';
import { DeployError } from './errors';
import { readStacks, type ManifestStack } from './manifest';

export interface SynthUserAppOptions {
  /** The app's folder (holds cdktf.json). */
  readonly cwd: string;
  /** The command that synthesizes; default: cdktf.json's `app`. */
  readonly command?: string;
  /** Where the app writes manifest.json and stacks/ (passed as CDKTF_OUTDIR, as cdktf-cli does). */
  readonly outdir: string;
  readonly env: Record<string, string | undefined>;
  /** @default 300000 */
  readonly timeoutMs?: number;
  readonly onLine?: (line: string) => void;
}

/**
 * Synthesizes a user's own cdktf app the way `cdktf synth` does — runs its `app` command with
 * CDKTF_OUTDIR and CDKTF_CONTEXT_JSON set — and returns the stacks of the manifest it wrote.
 */
export async function synthUserApp(options: SynthUserAppOptions): Promise<ManifestStack[]> {
  const cdktfJson = join(options.cwd, 'cdktf.json');
  const project = existsSync(cdktfJson)
    ? (readJsonFile(cdktfJson, (reason) => new DeployError('ERR_SYNTH_FAILED', `app: ${reason}`)) as { app?: string; context?: unknown })
    : {};
  const command = options.command ?? project.app;
  if (!command) {
    throw new DeployError(
      'ERR_SYNTH_FAILED',
      `app: got nothing in ${cdktfJson}; expected a cdktf.json with an "app" command (e.g. "npx ts-node main.ts"), or the app command itself`,
    );
  }
  const env = { ...options.env, CDKTF_OUTDIR: options.outdir, CDKTF_CONTEXT_JSON: JSON.stringify(project.context ?? {}) };
  const run = await new Promise<{ code: number | null; output: string; timedOut: boolean }>((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer) => {
      const text = chunk.toString();
      output = (output + text).slice(-20_000);
      for (const line of text.split('\n')) if (line.trim() !== '') options.onLine?.(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 300_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
  if (run.timedOut) throw new DeployError('ERR_SYNTH_FAILED', `app: "${command}" did not finish within ${(options.timeoutMs ?? 300_000) / 1000} s`, run.output);
  if (run.code !== 0) {
    const last = run.output.trim().split('\n').filter(Boolean).pop() ?? '';
    throw new DeployError('ERR_SYNTH_FAILED', `app: "${command}" exited with code ${run.code}${last ? `: ${last.slice(0, 200)}` : ''}`, run.output);
  }
  if (!existsSync(join(options.outdir, 'manifest.json'))) {
    throw new DeployError(
      'ERR_SYNTH_FAILED',
      `app: "${command}" finished but wrote no ${join(options.outdir, 'manifest.json')}; expected a cdktf app that calls app.synth()`,
    );
  }
  return readStacks(options.outdir);
}
