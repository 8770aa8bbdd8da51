import { main } from '../../src/cli';
import { CliRun, ROOT } from '../support/cli-run';

/** What `local` prints: one JSON document in --json mode (--keep included), and ✗ for a step that failed. */
const runs: CliRun[] = [];
afterEach(() => runs.splice(0).forEach((run) => run.dispose()));

function start(args: readonly string[]): CliRun {
  const run = new CliRun(['local', '--engine', 'emulate', ...args]);
  runs.push(run);
  return run;
}

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('local --keep --json', () => {
  test('stdout is exactly one JSON document; the how-to goes to stderr; Ctrl-C exits 130 and leaves nothing', async () => {
    const run = start(['--keep', '--json']);
    await run.until(() => `${run.stdout}${run.stderr}`.includes('stay up until Ctrl-C'), 30_000, 'the emulators to stay up');
    await new Promise((r) => setTimeout(r, 200));
    const report = JSON.parse(run.stdout) as Record<string, any>;
    expect(report).toMatchObject({ pass: true, engine: 'emulate' });
    expect(report.integrations).toContainEqual({ route: 'GET /hello', integration: 'Lambda orders-api (index.handler from its deployment zip)' });
    expect(run.stderr).toMatch(/^ {2}source \S+env\.sh$/m);
    expect(run.stderr).toContain("# 200 with the caller's claims");

    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(130);
    expect(parses(run.stdout)).toBe(true);
    expect(run.survivors()).toEqual([]);
    expect(run.tmpEntries()).toEqual([]);
  }, 60_000);
});

describe('the step line of a failed gate', () => {
  test('shows ✗ (plain text when stderr is not a terminal), and the JSON step says ok: false', async () => {
    const run = start(['--break', 'open-api', '--timeout-seconds', '3', '--json']);
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr).toMatch(/^✗ gate: anonymous, valid and forged tokens \(\d+ ms\)$/m);
    expect(run.stderr).not.toContain('✓ gate:');
    expect(run.stderr).toMatch(/^✓ synthesize identity and gateway stacks \(\d+ ms\)$/m);
    expect(run.stderr).not.toContain('\u001b[');
    // Node's own warnings (e.g. MaxListenersExceededWarning from 50 probes on one abort signal) are noise.
    expect(run.stderr).not.toMatch(/\(node:\d+\) \w+Warning/);
    const report = JSON.parse(run.stdout) as { pass: boolean; steps: { name: string; ok: boolean }[] };
    expect(report.pass).toBe(false);
    expect(report.steps.find((s) => s.name.startsWith('gate:'))?.ok).toBe(false);
    expect(report.steps.filter((s) => !s.name.startsWith('gate:')).every((s) => s.ok)).toBe(true);
  }, 60_000);

  test('on a terminal, ✗ is red and ✓ green', async () => {
    let err = '';
    const io = { stdout: { write: () => true }, stderr: { isTTY: true, write: (t: string) => void (err += t) } };
    expect(await main(['local', '--engine', 'emulate', '--break', 'open-api', '--timeout-seconds', '3', '--dir', ROOT], {}, io)).toBe(1);
    expect(err).toContain('\u001b[31m✗\u001b[0m gate: anonymous, valid and forged tokens');
    expect(err).toContain('\u001b[32m✓\u001b[0m synthesize identity and gateway stacks');
  }, 60_000);
});
