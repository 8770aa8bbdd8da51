import { join } from 'node:path';
import { readJsonFile } from '../json-file';
import { DeployError } from './errors';

export interface ManifestStack {
  readonly name: string;
  /** Absolute folder holding the stack's cdk.tf.json. */
  readonly workingDirectory: string;
  readonly dependencies: readonly string[];
  /** Warnings cdktf recorded while synthesizing the stack (Annotations). */
  readonly warnings: readonly string[];
}

/** Reads `<outdir>/manifest.json` (the layout cdktf synth writes). */
export function readStacks(outdir: string): ManifestStack[] {
  const path = join(outdir, 'manifest.json');
  const manifest = readJsonFile(
    path,
    () => new DeployError('ERR_MANIFEST', `no synthesized app at ${path}: run synth first (npm run synth, or cdktf synth)`),
  ) as {
    stacks?: Record<string, { name: string; workingDirectory: string; dependencies?: string[]; annotations?: { level: string; message: string }[] }>;
  };
  return Object.values(manifest.stacks ?? {}).map((s) => ({
    name: s.name,
    workingDirectory: join(outdir, s.workingDirectory),
    dependencies: s.dependencies ?? [],
    warnings: (s.annotations ?? []).filter((a) => a.level === '@cdktf/warn').map((a) => a.message),
  }));
}

/**
 * Orders stacks so each comes after the stacks it depends on (reversed for destroy). `only` keeps the
 * named stacks (their dependencies must already be deployed). Pure.
 */
export function orderStacks<T extends { name: string; dependencies: readonly string[] }>(stacks: readonly T[], only?: readonly string[]): T[] {
  const byName = new Map(stacks.map((s) => [s.name, s]));
  for (const name of only ?? []) {
    if (!byName.has(name)) throw new DeployError('ERR_MANIFEST', `stacks: got "${name}"; expected one of ${[...byName.keys()].join(', ')}`);
  }
  const ordered: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (stack: T, path: string[]) => {
    if (state.get(stack.name) === 'done') return;
    if (state.get(stack.name) === 'visiting') throw new DeployError('ERR_MANIFEST', `stack dependencies form a cycle: ${[...path, stack.name].join(' → ')}`);
    state.set(stack.name, 'visiting');
    for (const dep of stack.dependencies) {
      const target = byName.get(dep);
      if (target) visit(target, [...path, stack.name]);
    }
    state.set(stack.name, 'done');
    ordered.push(stack);
  };
  [...stacks].sort((a, b) => a.name.localeCompare(b.name)).forEach((s) => visit(s, []));
  return only ? ordered.filter((s) => only.includes(s.name)) : ordered;
}
