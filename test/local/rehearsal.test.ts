import { join } from 'node:path';
import { rehearse, BREAK_MODES, type Engine } from '../../src/local/rehearsal';
import { synthesizeProject } from '../../stacks/synth';
import { offlineTerraform } from '../support/tools';

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

  test.each([
    ['open-api', 'ERR_GATE_OPEN_API'],
    ['ignore-signature', 'ERR_GATE_ACCEPTS_FORGED'],
    ['issuer-v1', 'ERR_GATE_UNAUTHORIZED'],
    ['wrong-audience', 'ERR_GATE_UNAUTHORIZED'],
  ] as const)('--break %s fails the gate with %s', async (mode, code) => {
    const rehearsal = await run('emulate', mode);
    try {
      expect(rehearsal.run.verdict.pass).toBe(false);
      expect(rehearsal.run.verdict.failures.map((f) => f.code)).toContain(code);
    } finally {
      await rehearsal.close();
    }
  }, 60_000);
});

const tools = offlineTerraform();
if ('skip' in tools) console.warn(`SKIPPING rehearsal with the terraform engine: ${tools.skip}`);
(('skip' in tools) ? describe.skip : describe)('offline rehearsal (terraform against moto)', () => {
  test('real apply, gateway read back from moto, gate passes, and the stack\'s own Lambda answers (not the ECHO stand-in)', async () => {
    const lines: string[] = [];
    const rehearsal = await rehearse({ synth, engine: 'terraform', env: { ...process.env }, log: (line) => lines.push(line), timeoutSeconds: 4 });
    try {
      expect(rehearsal.engine).toBe('terraform');
      expect(rehearsal.run.verdict.pass).toBe(true);
      expect(rehearsal.integrations).toContainEqual({ route: 'GET /hello', integration: 'Lambda orders-api (index.handler from its deployment zip)' });
      expect(lines).toContain('integration: Lambda orders-api (index.handler from its deployment zip) answers ANY /{proxy+}, GET /health, GET /hello');
      // Over real HTTP, with a token from the emulators: the body is stacks/lambda/hello's, with the caller's claims.
      const answer = await fetch(`${rehearsal.urls.api}/hello`, { headers: { authorization: `Bearer ${await accessToken(rehearsal)}` } });
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as Record<string, any>;
      expect(body).toMatchObject({ message: 'hello from the protected API', route: 'GET /hello', caller: { iss: expect.stringMatching(/\/v2\.0$/), aud: expect.any(String), roles: '[Gate.Invoke]' }, scopes: null });
    } finally {
      await rehearsal.close();
    }
  }, 180_000);
});

/** A GitHub OIDC token exchanged at the Entra emulator, as `--keep`'s curl lines do it. */
async function accessToken(rehearsal: Awaited<ReturnType<typeof rehearse>>): Promise<string> {
  const { requestUrl, requestToken, tokenEndpoint, clientId, scope } = rehearsal.secrets;
  const github = await fetch(`${requestUrl}&audience=${encodeURIComponent('api://AzureADTokenExchange')}`, { headers: { authorization: `Bearer ${requestToken}` } });
  const assertion = ((await github.json()) as { value: string }).value;
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, scope, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion });
  const entra = await fetch(tokenEndpoint, { method: 'POST', body: form });
  return ((await entra.json()) as { access_token: string }).access_token;
}
