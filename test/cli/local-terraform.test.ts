import { readFileSync } from 'node:fs';
import { checkoutChangesSince, CliRun, snapshotCheckout, stillListening } from '../support/cli-run';
import { projectCopy, type ProjectCopy } from '../support/project-copy';
import { offlineTerraform } from '../support/tools';

/**
 * The terraform-engine rehearsal run as a user runs it: `npm start` in a fresh copy of the project
 * (its build included), and the CLI binary interrupted in the middle of `terraform apply`. Everything
 * it started stops and everything it wrote goes, in the temp folder and in the checkout.
 */
const tools = offlineTerraform();
if ('skip' in tools) console.warn(`SKIPPING the terraform-engine rehearsal (npm start, Ctrl-C during terraform apply): ${tools.skip}`);

('skip' in tools ? describe.skip : describe)('local --engine terraform (real terraform against moto)', () => {
  const runs: CliRun[] = [];
  let copy: ProjectCopy | undefined;
  afterEach(() => {
    runs.splice(0).forEach((run) => run.dispose());
    copy?.remove();
  });

  test("npm start (the quick start) builds, picks the terraform engine and passes; with --keep the stack's own Lambda answers the emulators' token over HTTP; Ctrl-C leaves nothing", async () => {
    copy = projectCopy();
    // --keep: the rehearsal stays up after its verdict, so one apply serves every assertion below.
    const run = new CliRun(['--keep'], {}, { command: ['npm', 'start', '--silent', '--'], cwd: copy.dir });
    runs.push(run);
    await run.until(() => run.stdout.includes('stay up until Ctrl-C'), 150_000, 'the rehearsal to pass and stay up');
    expect(run.stderr).toContain('gateway engine terraform');
    expect(run.stderr).toMatch(/^✓ terraform apply of the gateway stack against moto \(\d+ ms\)$/m);
    expect(run.stderr).toMatch(/^✓ read the deployed API back from moto \(\d+ ms\)$/m);
    expect(run.stderr).toContain('integration: Lambda orders-api (index.handler from its deployment zip) answers ANY /{proxy+}, GET /health, GET /hello');
    expect(run.stdout).toMatch(/^entra-api-guard local: PASS /m);

    // Over real HTTP with a token from the emulators, as --keep's curl lines do it: the body is
    // stacks/lambda/hello's (not the ECHO stand-in), with the caller's claims.
    const answer = await fetch(`${urlAfter(run.stdout, 'curl -i ')}`, { headers: { authorization: `Bearer ${await accessToken(run.stdout)}` } });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({
      message: 'hello from the protected API',
      route: 'GET /hello',
      caller: { iss: expect.stringMatching(/\/v2\.0$/), aud: expect.any(String), roles: '[Gate.Invoke]' },
      scopes: null,
    });

    const sockets = run.listeningSockets();
    expect(sockets.length).toBeGreaterThanOrEqual(4); // GitHub OIDC, Entra ID, API Gateway, moto
    run.interrupt();
    await run.exited;
    // npm exits on the SIGINT at once; the CLI behind it stops terraform, moto and the emulators.
    await run.allStopped(20_000);
    expect(run.survivors()).toEqual([]);
    expect(stillListening(sockets)).toEqual([]);
    expect(run.tmpEntries()).toEqual([]);
  }, 180_000);

  test('Ctrl-C during terraform apply: exits 130, stops terraform and moto, removes its temp folder and writes nothing into the checkout', async () => {
    const before = snapshotCheckout();
    const run = new CliRun(['local', '--engine', 'terraform']);
    runs.push(run);
    await run.until(() => run.survivors().some((p) => / terraform apply /.test(` ${p.split(' ').slice(1).join(' ')} `)), 90_000, 'terraform apply to start');
    // Well into the apply: the provider is creating resources in moto.
    await new Promise((r) => setTimeout(r, 4000));
    // Only the rehearsal's own folder: terraform's temp files (plugin sockets) live inside it.
    expect(run.tmpEntries()).toEqual([expect.stringMatching(/^entra-api-guard-local-/)]);
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(run.stderr).toContain('interrupted: emulators and processes stopped');
    expect(code).toBe(130);
    // terraform gets one SIGINT and is killed 2 s later if still running (the rehearsal's state is
    // thrown away); then moto and the emulators stop. How long that takes is measured in bench/.
    expect(run.survivors()).toEqual([]);
    expect(run.tmpEntries()).toEqual([]);
    expect(checkoutChangesSince(before)).toEqual([]);
  }, 120_000);
});

/** The URL a printed `curl` line of --keep's how-to calls (the first one after `prefix`). */
function urlAfter(stdout: string, prefix: string): string {
  const line = stdout.split('\n').find((l) => l.trim().startsWith(prefix));
  return /(http:\/\/127\.0\.0\.1:\d+\S*)/.exec(line ?? '')![1]!;
}

/** A GitHub OIDC token exchanged at the Entra emulator, as --keep's curl lines do it. */
async function accessToken(stdout: string): Promise<string> {
  const envFile = /^ {2}source (\S+)$/m.exec(stdout)![1]!;
  const vars = Object.fromEntries([...readFileSync(envFile, 'utf8').matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1]!, m[2]!]));
  const exchange = stdout.split('\n').find((l) => l.includes('grant_type=client_credentials'))!;
  const tokenEndpoint = /curl -s (\S+)/.exec(exchange)![1]!;
  const clientId = /client_id=(\S+)/.exec(exchange)![1]!;
  const scope = /scope=(\S+)/.exec(exchange)![1]!;
  const github = await fetch(`${vars['ACTIONS_ID_TOKEN_REQUEST_URL']}&audience=${encodeURIComponent('api://AzureADTokenExchange')}`, {
    headers: { authorization: `Bearer ${vars['ACTIONS_ID_TOKEN_REQUEST_TOKEN']}` },
  });
  const assertion = ((await github.json()) as { value: string }).value;
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId,
    scope,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  });
  const entra = await fetch(tokenEndpoint, { method: 'POST', body: form });
  return ((await entra.json()) as { access_token: string }).access_token;
}
