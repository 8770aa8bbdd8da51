// The README's step-by-step local deploy (its `# moto` block) runs as written: three CLI deploys of the
// gateway stack with real terraform against moto. A file of its own, started first (test/support/
// sequencer.js): it is the suite's longest test, and the README's other checks run beside it.
import { join } from 'node:path';
import { ApiGatewayV2Client, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import { startMoto, type MotoServer } from '../src/local/moto';
import { runProcess } from './support/process';
import { readmeBlocks as blocks } from './support/readme';
import { offlineTerraform } from './support/tools';

const ROOT = join(__dirname, '..');

// Issue [5] item 7: the step-by-step local deploy runs as written, against a real moto_server and the
// provider mirror. The test starts moto itself (on a free port, where the README says 5000) and uses
// this machine's mirror folder (where the README says /opt/tf-plugins).
describe('README: the local deploy to moto runs as written', () => {
  const block = blocks('sh').find((b) => b.startsWith('# moto\n'));
  const tools = offlineTerraform();
  if ('skip' in tools) console.warn(`SKIPPING the README's moto deploy: ${tools.skip}`);
  let moto: MotoServer | undefined;

  test('there is one: moto_server, TF_CLI_CONFIG_FILE, dummy keys, deploy --stacks gateway --var, apply twice, destroy', () => {
    expect(block).toBeDefined();
    expect(block).toMatch(/^moto_server -H 127\.0\.0\.1 -p 5000$/m);
    expect(block).toMatch(/^export TF_CLI_CONFIG_FILE=.* AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test$/m);
    expect(block!.match(/^node dist\/src\/cli\/bin\.js deploy .*--stacks gateway --var gateway\.api_client_id=/gm)).toHaveLength(3);
  });

  ('skip' in tools ? test.skip : test)(
    'apply, apply again with no changes, destroy: moto holds no API afterwards',
    async () => {
      moto = await startMoto();
      const script = block!
        .split('\n')
        .slice(1)
        .filter((line) => !line.startsWith('moto_server '))
        .join('\n')
        .replaceAll('http://127.0.0.1:5000', moto.url)
        .replaceAll('/opt/tf-plugins', (tools as { mirror: string }).mirror);
      const expected = [...script.matchAll(/# prints "([^"]+)"$/gm)].map((m) => m[1]!);
      expect(expected).toEqual(['apply gateway: changed', 'apply gateway: no changes', 'destroy gateway: changed']);
      // A laptop, not CI (where the local backend is refused): no CI variables.
      const env = Object.fromEntries(
        Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !['CI', 'GITHUB_ACTIONS', 'TF_CLI_CONFIG_FILE'].includes(e[0])),
      );
      const run = await runProcess('sh', ['-e', '-c', script], { cwd: ROOT, env: { ...env, PWD: ROOT }, timeoutMs: 300_000 });
      if (run.code !== 0) throw new Error(`exit ${run.code}\n${run.stdout}\n${run.stderr}`.slice(-3000));
      const printed = run.stdout.split('\n').filter((line) => expected.includes(line));
      expect(printed).toEqual(expected);
      // The one destroy of the suite (deploy-moto creates by a race and leaves its API): what the
      // applies created in moto is gone.
      const client = new ApiGatewayV2Client({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      const apis = (await client.send(new GetApisCommand({}))).Items ?? [];
      client.destroy();
      expect(apis).toEqual([]);
    },
    320_000,
  );

  afterAll(async () => {
    await moto?.close();
  });
});
