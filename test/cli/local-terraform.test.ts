import { buildBin, checkoutChangesSince, CliRun, snapshotCheckout } from '../support/cli-run';
import { offlineTerraform } from '../support/tools';

/**
 * The terraform-engine rehearsal, run as a user runs it (the CLI binary), interrupted in the middle of
 * `terraform apply`: everything it started stops and everything it wrote goes, in the temp folder and
 * in the checkout.
 */
const tools = offlineTerraform();
if ('skip' in tools) console.warn(`SKIPPING Ctrl-C during terraform apply: ${tools.skip}`);

(('skip' in tools) ? describe.skip : describe)('local --engine terraform, Ctrl-C during terraform apply', () => {
  beforeAll(buildBin);
  const runs: CliRun[] = [];
  afterEach(() => runs.splice(0).forEach((run) => run.dispose()));

  test('exits 130, stops terraform and moto, removes its temp folder and writes nothing into the checkout', async () => {
    const before = snapshotCheckout();
    const run = new CliRun(['local', '--engine', 'terraform']);
    runs.push(run);
    await run.until(() => run.survivors().some((p) => / terraform apply /.test(` ${p.split(' ').slice(1).join(' ')} `)), 90_000, 'terraform apply to start');
    // Well into the apply: the provider is creating resources in moto.
    await new Promise((r) => setTimeout(r, 4000));
    // Only the rehearsal's own folder: terraform's temp files (plugin sockets) live inside it.
    expect(run.tmpEntries()).toEqual([expect.stringMatching(/^entra-api-guard-local-/)]);
    const started = Date.now();
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    const stopMs = Date.now() - started;
    expect(run.stderr).toContain('interrupted: emulators and processes stopped');
    expect(code).toBe(130);
    // terraform gets one SIGINT and is killed 2 s later if still running (the rehearsal's state is
    // thrown away); then moto and the emulators stop.
    expect(stopMs).toBeLessThan(8_000);
    expect(run.survivors()).toEqual([]);
    expect(run.tmpEntries()).toEqual([]);
    expect(checkoutChangesSince(before)).toEqual([]);
    console.log(`Ctrl-C during terraform apply: stopped in ${stopMs} ms`);
  }, 120_000);
});
