import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'cdktf';
import { readStacks, type ManifestStack } from '../src/deploy/manifest';
import { buildApp } from './app';
import type { GuardConfig } from './config';

/** A synthesized stack: its folder (holds cdk.tf.json), dependencies and synth warnings. */
export type SynthesizedStack = ManifestStack;

export interface SynthResult {
  readonly outdir: string;
  readonly manifestPath: string;
  readonly stacks: readonly SynthesizedStack[];
}

/**
 * Synthesizes both stacks in-process into `outdir` with the layout `cdktf synth` writes
 * (manifest.json, stacks/<name>/cdk.tf.json): no cdktf-cli, no child process.
 */
export function synthesize(config: GuardConfig, outdir: string): SynthResult {
  const absolute = resolve(outdir);
  mkdirSync(absolute, { recursive: true });
  const app = new App({ outdir: absolute, skipValidation: false });
  buildApp(app, config);
  app.synth();
  return { outdir: absolute, manifestPath: join(absolute, 'manifest.json'), stacks: readStacks(absolute) };
}

/** Loads the config of the project at `cwd` with `overrides` on top, and synthesizes it (for the rehearsal). */
export function synthesizeProject(cwd: string, overrides: Record<string, unknown>, outdir: string): SynthResult & { config: GuardConfig } {
  // Imported here, not at the top, so that synth.ts alone stays the cdktf half.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadConfig } = require('./config') as typeof import('./config');
  const config = loadConfig({ cwd, env: {}, overrides });
  return { ...synthesize(config, outdir), config };
}
