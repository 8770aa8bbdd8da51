import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'cdktf';
import { buildApp } from './app';
import type { GuardConfig } from './config';

export interface SynthesizedStack {
  readonly name: string;
  /** Folder terraform runs in (holds cdk.tf.json). */
  readonly workingDirectory: string;
  readonly dependencies: readonly string[];
  readonly warnings: readonly string[];
}

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
  return readManifest(absolute);
}

interface Manifest {
  stacks: Record<string, { name: string; workingDirectory: string; dependencies?: string[]; annotations?: { level: string; message: string }[] }>;
}

export function readManifest(outdir: string): SynthResult {
  const manifestPath = join(outdir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const stacks = Object.values(manifest.stacks).map((stack) => ({
    name: stack.name,
    workingDirectory: join(outdir, stack.workingDirectory),
    dependencies: stack.dependencies ?? [],
    warnings: (stack.annotations ?? []).filter((a) => a.level === '@cdktf/warn').map((a) => a.message),
  }));
  return { outdir, manifestPath, stacks };
}

/** Loads the config of the project at `cwd` with `overrides` on top, and synthesizes it (for the rehearsal). */
export function synthesizeProject(cwd: string, overrides: Record<string, unknown>, outdir: string): SynthResult & { config: GuardConfig } {
  // Imported here, not at the top, so that synth.ts alone stays the cdktf half.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadConfig } = require('./config') as typeof import('./config');
  const config = loadConfig({ cwd, env: {}, overrides });
  return { ...synthesize(config, outdir), config };
}
