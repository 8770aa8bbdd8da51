// The README is part of the product: its commands run, its tables match action.yml, its scripts exist.
// Its local deploy to moto runs in readme-deploy.test.ts (a file of its own: the suite's longest test).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatedFiles } from '../action/docs';
import { inputVariable, readManifest } from '../action/manifest';
import { attackTableMarkdown } from '../src/gate/attacks';
import { runProcess } from './support/process';
import { README, readmeBlocks as blocks } from './support/readme';

const ROOT = join(__dirname, '..');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('README', () => {
  test('quick start is two commands: npm start and npm test', () => {
    const quick = blocks('sh')[0]!
      .split('\n')
      .filter((l) => l.trim() !== '');
    expect(quick).toHaveLength(2);
    expect(quick[0]).toMatch(/^npm ci && npm start\b/);
    expect(quick[1]).toMatch(/^npm test\b/);
    expect(readFileSync(join(ROOT, '.ci/run'), 'utf8')).toMatch(/^npm test$/m);
  });

  test('every npm script it names exists', () => {
    const named = [...README.matchAll(/`npm run ([a-z:-]+)`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(3);
    for (const script of [...named, 'start', 'test']) expect(PACKAGE.scripts).toHaveProperty(script);
  });

  // Issue [5] items 1 and 8: regenerate with `npm run docs:action`.
  test.each(generatedFiles(ROOT).map((g) => [g.file, g] as const))('%s holds what the two action.yml files generate', (_file, generated) => {
    expect(readFileSync(join(ROOT, generated.file), 'utf8')).toBe(generated.text);
  });

  test('npm run docs:action regenerates both from stale copies', () => {
    const copy = mkdtempSync(join(tmpdir(), 'docs-action-'));
    mkdirSync(join(copy, 'verify'));
    for (const file of ['action.yml', 'verify/action.yml']) copyFileSync(join(ROOT, file), join(copy, file));
    writeFileSync(
      join(copy, 'README.md'),
      README.replace(/(<!-- inputs:verify\/action.yml:start -->\n)[\s\S]*?(<!-- inputs:verify\/action.yml:end -->)/, '$1| stale |\n$2'),
    );
    writeFileSync(join(copy, '.env.example'), 'INPUT_STALE=\n');
    const run = spawnSync('npm', ['run', '-s', 'docs:action', '--', copy], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    for (const file of ['README.md', '.env.example']) expect(readFileSync(join(copy, file), 'utf8')).toBe(readFileSync(join(ROOT, file), 'utf8'));
  }, 60_000);

  test('one table of the three client ids: which app each belongs to, and who uses it', () => {
    const table = /### The three client ids\n\n(\|[^\n]*\n)+/.exec(README)?.[0] ?? '';
    const rows = table.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows.map((r) => /^\| `([^`]+)`/.exec(r)![1])).toEqual(['api-client-id', 'caller-client-id', 'ARM_CLIENT_ID']);
    expect(rows.map((r) => /\*\*(\w+ app)\*\*/.exec(r)?.[1])).toEqual(['API app', 'caller app', 'deployer app']);
  });

  test('.env, a copy of .env.example with real values, is ignored by git', () => {
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8')).toMatch(/^\.env$/m);
  });

  test('it has the input and output tables of both actions, and .env.example every INPUT_* of both', () => {
    for (const action of ['action.yml', 'verify/action.yml']) {
      for (const kind of ['inputs', 'outputs']) expect(README).toMatch(new RegExp(`<!-- ${kind}:${action}:start -->\\n\\| (input|output) \\|`));
    }
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const variables = new Set([...example.matchAll(/^(INPUT_[A-Z0-9-]+)=$/gm)].map((m) => m[1]!));
    for (const action of ['main', 'verify'] as const)
      for (const name of Object.keys(readManifest(ROOT, action).inputs)) expect(variables).toContain(inputVariable(name));
  });

  test('the attack table is the attack registry of the gate (regenerate with attackTableMarkdown() from src/gate/attacks)', () => {
    const section = /<!-- attack-table:start -->\n([\s\S]*?)\n<!-- attack-table:end -->/.exec(README)?.[1];
    expect(section).toBe(attackTableMarkdown());
  });

  describe('offline commands run as written', () => {
    const commands = blocks('sh')
      .filter((b) => b.startsWith('# offline\n'))
      .flatMap((b) => b.split('\n').slice(1))
      .filter((l) => l.trim() !== '');

    test('there are offline examples to run', () => {
      expect(commands.length).toBeGreaterThanOrEqual(8);
    });

    // Side by side: most of them wait out a gate's deadline (--timeout-seconds 3) rather than compute.
    test.concurrent.each(commands.map((c) => [c]))(
      '%s',
      async (line) => {
        const exit = Number(/#\s*exit (\d+)\s*$/.exec(line)?.[1] ?? 0);
        const command = line.replace(/\s+#.*$/, '');
        const env = Object.fromEntries(Object.entries({ ...process.env, PWD: ROOT }).filter((e): e is [string, string] => e[1] !== undefined));
        const result = await runProcess('sh', ['-c', command], { cwd: ROOT, env, timeoutMs: 60_000 });
        if (result.code !== exit) throw new Error(`exit ${result.code}, expected ${exit}\n${result.stdout}\n${result.stderr}`.slice(-2000));
      },
      70_000,
    );
  });
});
