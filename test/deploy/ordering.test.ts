import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBackend, deployStacks, orderStacks, plainLog, readStacks, typedOutputs, variableArgs, errorBlock, terraformFailure } from '../../src/deploy';
import { loadConfig } from '../../stacks/config';
import { synthesize } from '../../stacks/synth';

const ROOT = join(__dirname, '../..');

describe('stack order and arguments (the identity stack cannot be planned here: no azuread provider)', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'order-'));
  synthesize(loadConfig({ cwd: ROOT, env: {} }), outdir);
  const stacks = readStacks(outdir);

  test('identity before gateway for apply; named stacks filter', () => {
    expect(orderStacks(stacks).map((s) => s.name)).toEqual(['identity', 'gateway']);
    expect(orderStacks(stacks, ['gateway']).map((s) => s.name)).toEqual(['gateway']);
  });

  test('dependencies win over names, cycles are refused', () => {
    const s = [
      { name: 'a', dependencies: ['c'] },
      { name: 'b', dependencies: [] },
      { name: 'c', dependencies: ['b'] },
    ];
    expect(orderStacks(s).map((x) => x.name)).toEqual(['b', 'c', 'a']);
    expect(() =>
      orderStacks([
        { name: 'a', dependencies: ['b'] },
        { name: 'b', dependencies: ['a'] },
      ]),
    ).toThrow('stack dependencies form a cycle: a → b → a');
    expect(() => orderStacks(s, ['nope'])).toThrow('stacks: got "nope"; expected one of a, b, c');
  });

  test("the identity's api_client_id output fills the gateway's variable; explicit values win", () => {
    const gateway = { variable: { api_client_id: {} } };
    expect(variableArgs(gateway, { api_client_id: 'abc', scope: 'x' }, {})).toEqual(['-var', 'api_client_id=abc']);
    expect(variableArgs(gateway, { api_client_id: 'abc' }, { api_client_id: 'given' })).toEqual(['-var', 'api_client_id=given']);
    expect(variableArgs(gateway, {}, {})).toEqual([]);
    expect(variableArgs({}, { api_client_id: 'abc' }, {})).toEqual([]);
  });

  test('outputs come back typed', () => {
    expect(typedOutputs({ api_url: 'https://x', audiences: ['a'], api_client_id: 'c', unknown: 1, issuer: '' })).toEqual({
      apiUrl: 'https://x',
      audiences: ['a'],
      apiClientId: 'c',
    });
  });

  test('local state is refused in CI unless allowed, with the fix', () => {
    const local = { terraform: { backend: { local: { path: 'x' } } } };
    expect(() => checkBackend('gateway', local, { ci: true })).toThrow(
      'backend: got "local" for stack gateway in CI; expected a remote backend, since the runner\'s disk (and the state) is gone after this job — set backend to { "type": "s3"',
    );
    expect(() => checkBackend('gateway', local, { ci: true, allowLocalBackend: true })).not.toThrow();
    expect(() => checkBackend('gateway', local, { ci: false })).not.toThrow();
    expect(() => checkBackend('gateway', { terraform: { backend: { s3: {} } } }, { ci: true })).not.toThrow();
  });

  test('a missing binary is one line with the setup advice', async () => {
    await expect(
      deployStacks({
        outdir,
        mode: 'plan',
        stacks: ['gateway'],
        binary: 'terraform-not-installed',
        env: { PATH: process.env.PATH },
        ci: false,
        log: plainLog(() => undefined),
      }),
    ).rejects.toThrow(
      'terraform: got "terraform-not-installed", which is not on PATH; expected terraform or tofu installed before this step (hashicorp/setup-terraform@v3 or opentofu/setup-opentofu@v1 in a workflow)',
    );
  });

  test('no manifest → says to synth first', async () => {
    await expect(deployStacks({ outdir: join(outdir, 'nope'), mode: 'apply', env: {}, ci: false, log: plainLog(() => undefined) })).rejects.toThrow(
      /^no synthesized app at .*manifest\.json: run synth first/,
    );
  });

  test("terraform's error block is kept verbatim, the message is one line", () => {
    const output = 'noise\n╷\n│ Error: No valid credential sources found\n│ \n│ Please see https://registry.terraform.io/...\n╵\n';
    expect(errorBlock(output)).toBe('Error: No valid credential sources found\n\nPlease see https://registry.terraform.io/...');
    const error = terraformFailure('init', 'gateway', { code: 1, stdout: '', stderr: output }, '5m');
    expect(error.message).toBe('terraform init of stack gateway failed: No valid credential sources found');
    expect(error.code).toBe('ERR_TERRAFORM_FAILED');
  });
});
