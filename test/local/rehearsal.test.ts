import { join } from 'node:path';
import { rehearse, BREAK_MODES, type Engine } from '../../src/local/rehearsal';
import { synthesizeProject } from '../../stacks/synth';

const ROOT = join(__dirname, '../..');
const synth = (overrides: Record<string, unknown>, outdir: string) => synthesizeProject(ROOT, overrides, outdir);
const run = (engine: Engine, breakMode?: (typeof BREAK_MODES)[number]) =>
  rehearse({ synth, engine, env: { ...process.env }, log: () => undefined, timeoutSeconds: 4, ...(breakMode ? { breakMode } : {}) });

describe('offline rehearsal (emulated gateway)', () => {
  test('the correct setup passes the whole gate', async () => {
    const rehearsal = await run('emulate');
    try {
      expect(rehearsal.run.verdict.pass).toBe(true);
      expect(rehearsal.markdown).toContain('|');
      const names = rehearsal.report.probes.map((p) => p.name).join(' ');
      expect(names).toMatch(/forged|alg/i);
    } finally {
      await rehearsal.close();
    }
  }, 60_000);

  // Side by side: a broken setup's gate polls until its deadline (timeoutSeconds) rather than computes.
  test.concurrent.each([
    ['open-api', 'ERR_GATE_OPEN_API'],
    ['ignore-signature', 'ERR_GATE_ACCEPTS_FORGED'],
    ['issuer-v1', 'ERR_GATE_UNAUTHORIZED'],
    ['wrong-audience', 'ERR_GATE_UNAUTHORIZED'],
  ] as const)(
    '--break %s fails the gate with %s',
    async (mode, code) => {
      const rehearsal = await run('emulate', mode);
      try {
        expect(rehearsal.run.verdict.pass).toBe(false);
        expect(rehearsal.run.verdict.failures.map((f) => f.code)).toContain(code);
      } finally {
        await rehearsal.close();
      }
    },
    60_000,
  );
});

// The terraform engine (real apply against moto, the stack's own Lambda answering) is run as users run
// it, through npm start: test/cli/local-terraform.test.ts.
