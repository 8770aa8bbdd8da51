import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Set by summary-reporter.js in the parent process before any test file runs. */
const FIGURES_DIR_VARIABLE = 'RELIABILITY_FIGURES_DIR';

/** Anything shaped like a JWT: figures are published, so they must never hold one. */
const JWT_SHAPE = /eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/;

/**
 * Records one named figure for the suite summary (bench/results/reliability.json). `line` is the
 * one-line form printed in the summary table. Without the reporter (a plain jest run) it is a no-op.
 */
export function recordFigure(name: string, data: Record<string, unknown>, line?: string): void {
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) throw new TypeError(`recordFigure: "name" must be lower-case kebab/dot words, got ${JSON.stringify(name)}`);
  const text = JSON.stringify({ name, data, ...(line !== undefined ? { line } : {}) }, null, 2);
  if (JWT_SHAPE.test(text)) throw new TypeError(`recordFigure: figure ${name} holds something shaped like a token; figures are published`);
  const dir = process.env[FIGURES_DIR_VARIABLE];
  if (dir) writeFileSync(join(dir, `${name}.json`), text);
}

/** Milliseconds since `started` (performance.now()), rounded for reports. */
export function msSince(started: number): number {
  return Math.round(performance.now() - started);
}
