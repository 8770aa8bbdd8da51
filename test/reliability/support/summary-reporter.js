// Jest reporter for the reliability suite: collects the figures each test file recorded (support/figures.ts),
// prints one summary table at the end and writes bench/results/reliability.json for the lead to quote.
// Plain CommonJS: jest loads reporters with require, before any transform.
const { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } = require('node:fs');
const { cpus, tmpdir } = require('node:os');
const { basename, join } = require('node:path');

const SUITE_DIR = join(__dirname, '..');
const RESULTS_FILE = join(SUITE_DIR, '../../bench/results/reliability.json');

class ReliabilitySummaryReporter {
  constructor(globalConfig) {
    this.globalConfig = globalConfig;
    // Set before workers start, so every test file (in a worker or in band) inherits it.
    this.figuresDir = mkdtempSync(join(tmpdir(), 'reliability-figures-'));
    process.env.RELIABILITY_FIGURES_DIR = this.figuresDir;
    this.started = Date.now();
  }

  onRunComplete(_contexts, results) {
    const figures = readFigures(this.figuresDir);
    rmSync(this.figuresDir, { recursive: true, force: true });
    const files = results.testResults.map((file) => ({
      file: basename(file.testFilePath).replace(/\.reliability\.ts$/, ''),
      tests: file.testResults.length,
      passed: file.numPassingTests,
      failed: file.numFailingTests + (file.testExecError ? 1 : 0),
      skipped: file.numPendingTests + file.numTodoTests,
      ms: file.perfStats.runtime,
    }));
    const tests = results.testResults.flatMap((file) =>
      file.testResults.map((t) => ({
        file: basename(file.testFilePath).replace(/\.reliability\.ts$/, ''),
        title: t.fullName,
        status: t.status,
        ms: t.duration ?? 0,
      })),
    );
    const totals = {
      files: files.length,
      tests: results.numTotalTests,
      passed: results.numPassedTests,
      failed: results.numFailedTests,
      skipped: results.numPendingTests + results.numTodoTests,
      wallMs: Date.now() - this.started,
    };
    const knownBugs = tests.filter((t) => /KNOWN BUG/.test(t.title)).map((t) => t.title);
    const summary = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      totals,
      files,
      figures: Object.fromEntries(figures.map((f) => [f.name, f.data])),
      knownBugs,
      tests,
    };
    const lines = [
      '',
      `Reliability suite: ${totals.tests} tests, ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped in ${(totals.wallMs / 1000).toFixed(1)} s (node ${process.version}, ${cpus().length} cpus)`,
      `  ${'file'.padEnd(22)} ${'tests'.padStart(5)} ${'pass'.padStart(5)} ${'fail'.padStart(5)} ${'skip'.padStart(5)} ${'time'.padStart(8)}`,
      ...files.map(
        (f) =>
          `  ${f.file.padEnd(22)} ${String(f.tests).padStart(5)} ${String(f.passed).padStart(5)} ${String(f.failed).padStart(5)} ${String(f.skipped).padStart(5)} ${`${(f.ms / 1000).toFixed(1)} s`.padStart(8)}`,
      ),
      ...figures.filter((f) => f.line).map((f) => `  ${f.line}`),
      // test.failing cases: they pass while the bug is there and fail once it is fixed.
      ...tests.filter((t) => /KNOWN BUG/.test(t.title)).map((t) => `  known bug (test.failing): ${t.title.replace(/^.*KNOWN BUG: /, '')}`),
    ];
    const partial = files.length < suiteFileCount() || Boolean(this.globalConfig.testNamePattern);
    if (partial) lines.push('  (partial run: bench/results/reliability.json left as it was)');
    else {
      mkdirSync(join(RESULTS_FILE, '..'), { recursive: true });
      writeFileSync(RESULTS_FILE, `${JSON.stringify(summary, null, 2)}\n`);
      lines.push('  written to bench/results/reliability.json');
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

function readFigures(dir) {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')));
}

function suiteFileCount() {
  return readdirSync(SUITE_DIR).filter((name) => name.endsWith('.reliability.ts')).length;
}

module.exports = ReliabilitySummaryReporter;
