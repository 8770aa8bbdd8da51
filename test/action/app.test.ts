/**
 * `app`: the action deploys a user's own cdktf app — synthesized like `cdktf synth` (CDKTF_OUTDIR), applied
 * with terraform — and publishes its outputs. The app here declares outputs only, so no provider is needed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorLines, runAction } from './harness';

const hasTerraform = spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;
if (!hasTerraform) console.warn('SKIPPING action app test: terraform is not on PATH');

(hasTerraform ? describe : describe.skip)('action bundle: app (your own cdktf app)', () => {
  test('synthesizes the app with CDKTF_OUTDIR, applies it and publishes its outputs', async () => {
    const work = mkdtempSync(join(tmpdir(), 'action-app-'));
    writeFileSync(join(work, 'cdktf.json'), JSON.stringify({ language: 'typescript', app: 'node main.js', context: { greeting: 'hi' } }));
    writeFileSync(
      join(work, 'main.js'),
      [
        "const { App, TerraformStack, TerraformOutput } = require('cdktf');",
        'const app = new App();',
        "const stack = new TerraformStack(app, 'hello');",
        "new TerraformOutput(stack, 'api_url', { value: 'https://api.example.test' });",
        "new TerraformOutput(stack, 'issuer', { value: `https://login.microsoftonline.com/t/v2.0?${app.node.tryGetContext('greeting')}` });",
        'app.synth();',
      ].join('\n'),
    );
    const run = await runAction(
      { command: 'deploy', app: 'auto', 'allow-local-backend': 'true' },
      { cwd: work, timeoutMs: 120_000, env: { NODE_PATH: join(__dirname, '../../node_modules'), TF_IN_AUTOMATION: '1' } },
    );
    expect(errorLines(run.stdout)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^::group::synth \(your cdktf app\)$/m);
    expect(run.outputs).toMatchObject({ 'api-url': 'https://api.example.test', issuer: 'https://login.microsoftonline.com/t/v2.0?hi' });
  }, 150_000);

  test('an app that fails to synthesize is one ::error:: line', async () => {
    const work = mkdtempSync(join(tmpdir(), 'action-app-bad-'));
    writeFileSync(join(work, 'cdktf.json'), JSON.stringify({ language: 'typescript', app: 'node -e "console.error(\'no such module\'); process.exit(4)"' }));
    const run = await runAction({ command: 'deploy', app: 'auto', 'allow-local-backend': 'true' }, { cwd: work, timeoutMs: 60_000 });
    expect(run.code).toBe(1);
    expect(errorLines(run.stdout)).toHaveLength(1);
    expect(errorLines(run.stdout)[0]).toMatch(/app: "node -e .*" exited with code 4: no such module/);
  }, 60_000);
});
