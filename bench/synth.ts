// Synth benchmark: wall time and peak memory of synthesizing both stacks in a fresh process, next to
// `node -e 0` and the same synth after importing the root of @cdktf/provider-aws (the slow path the
// deep imports avoid), all measured in the same run. Needs `npm run build` first (npm run bench does it).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureNode, printTable, writeResults } from './harness';

const root = join(__dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'bench-synth-'));
// What `npm run synth` and cdktf.json's app run: the bundled synth app (one file, deep imports).
const synthScript = `process.env.CDKTF_OUTDIR = ${JSON.stringify(join(out, 'ours'))}; console.log = () => {}; require('./dist/bin/synth-app.js');`;
// The same synth from the per-file build, and after importing the providers' package roots.
const perFileScript = `
const { loadConfig } = require('./dist/stacks/config.js');
const { synthesize } = require('./dist/stacks/synth.js');
synthesize(loadConfig({ cwd: process.cwd(), env: {} }), ${JSON.stringify(join(out, 'per-file'))});`;
const rootImportScript = `require('@cdktf/provider-aws'); require('@cdktf/provider-azuread');\n${perFileScript.replace('per-file', 'root')}`;

const runs = Number(process.env.BENCH_RUNS ?? 5);
const rows = [
  measureNode('node -e 0 (baseline)', '0', { cwd: root, runs }),
  measureNode('synth both stacks (bundled synth app, deep imports)', synthScript, { cwd: root, runs }),
  measureNode('synth both stacks (per-file build, deep imports)', perFileScript, { cwd: root, runs }),
  measureNode('synth after provider root imports (baseline)', rootImportScript, { cwd: root, runs }),
];
printTable(rows);
const [node, ours, perFile, rootImport] = rows;
const result = {
  metric: 'synth',
  target: { ms: 300, rssMb: 100 },
  oursMs: ours!.medianMs,
  oursOverNodeMs: ours!.medianMs - node!.medianMs,
  oursRssMb: ours!.medianRssMb,
  perFileMs: perFile!.medianMs,
  perFileRssMb: perFile!.medianRssMb,
  rootImportMs: rootImport!.medianMs,
  rootImportRssMb: rootImport!.medianRssMb,
  speedupVsRootImport: rootImport!.medianMs / ours!.medianMs,
  rows,
};
console.log(
  `synth: ${ours!.medianMs.toFixed(0)} ms (${result.oursOverNodeMs.toFixed(0)} ms over node -e 0), ${ours!.medianRssMb.toFixed(0)} MB; root imports: ${rootImport!.medianMs.toFixed(0)} ms, ${rootImport!.medianRssMb.toFixed(0)} MB`,
);
writeResults('synth.json', result);
