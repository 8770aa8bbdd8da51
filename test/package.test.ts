// The construct library as another cdktf app consumes it: the packed tarball, required by name.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectCopy, type ProjectCopy } from './support/project-copy';
import { ROOT } from './support/prepare';

describe('npm package', () => {
  const work = mkdtempSync(join(tmpdir(), 'guard-pack-'));
  let files: string[] = [];
  let tarball = '';
  let copy: ProjectCopy;

  beforeAll(() => {
    // npm pack builds (prepack, prepare) as it does before a publish: in a fresh copy of the project,
    // not into the dist/ that other test files run at the same time.
    copy = projectCopy();
    const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: copy.dir, encoding: 'utf8', timeout: 120_000 });
    if (pack.status !== 0) throw new Error(pack.stderr);
    const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    files = info!.files.map((f) => f.path);
    tarball = join(work, info!.filename);
  }, 130_000);
  afterAll(() => copy?.remove());

  test('ships the built library with its types, the sample Lambda and the action bundle — not the tests', () => {
    for (const path of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/constructs/jwt-http-api.d.ts',
      'dist/src/cli/bin.js',
      'dist/stacks/main.js',
      'dist/bin/synth-app.js',
      'stacks/lambda/hello/index.js',
      'action/dist/index.js',
      'action.yml',
      'cdktf.json',
      'README.md',
    ]) {
      expect(files).toContain(path);
    }
    expect(files.filter((f) => f.startsWith('test/') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
  });

  test('another cdktf app requires it by name and synthesizes the constructs (no cdktf-cli)', () => {
    const app = join(work, 'consumer');
    mkdirSync(join(app, 'node_modules', 'entra-api-guard'), { recursive: true });
    expect(spawnSync('tar', ['-xzf', tarball, '-C', join(app, 'node_modules', 'entra-api-guard'), '--strip-components=1']).status).toBe(0);
    writeFileSync(
      join(app, 'main.js'),
      [
        "const { App, TerraformStack } = require('cdktf');",
        "const { EntraApiApplication, JwtHttpApi } = require('entra-api-guard');",
        "const app = new App({ outdir: 'out' });",
        "const stack = new TerraformStack(app, 'orders');",
        "const { AwsProvider } = require('@cdktf/provider-aws/lib/provider');",
        "const { AzureadProvider } = require('@cdktf/provider-azuread/lib/provider');",
        "new AwsProvider(stack, 'aws', { region: 'eu-west-1' });",
        "new AzureadProvider(stack, 'azuread', {});",
        "const api = new EntraApiApplication(stack, 'api', { displayName: 'orders-api', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' });",
        "new JwtHttpApi(stack, 'http', { name: 'orders-api', trust: api, routes: [{ routeKey: 'GET /orders' }], integration: { httpUrl: 'https://backend.example.com' } });",
        'app.synth();',
      ].join('\n'),
    );
    // Dependencies resolve from this checkout's node_modules, as an installed package's would.
    const run = spawnSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8', env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') } });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const tf = JSON.parse(readFileSync(join(app, 'out', 'stacks', 'orders', 'cdk.tf.json'), 'utf8'));
    const [authorizer] = Object.values(tf.resource.aws_apigatewayv2_authorizer) as { jwt_configuration: { issuer: string } }[];
    expect(authorizer!.jwt_configuration.issuer).toBe('https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0');
  });
});
