// The README is part of the product: its commands run, its tables match action.yml, its scripts exist.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatedFiles } from '../action/docs';
import { inputVariable, readManifest } from '../action/manifest';
import { attackTableMarkdown } from '../src/gate/attacks';
import { startMoto, type MotoServer } from '../src/local/moto';
import { runProcess } from './support/process';
import { offlineTerraform } from './support/tools';

const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** Fenced blocks of a language, with their text. */
function blocks(lang: string): string[] {
  return [...README.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

describe('README', () => {
  test('quick start is two commands: npm start and npm test', () => {
    const quick = blocks('sh')[0]!.split('\n').filter((l) => l.trim() !== '');
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
    writeFileSync(join(copy, 'README.md'), README.replace(/(<!-- inputs:verify\/action.yml:start -->\n)[\s\S]*?(<!-- inputs:verify\/action.yml:end -->)/, '$1| stale |\n$2'));
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
    for (const action of ['main', 'verify'] as const) for (const name of Object.keys(readManifest(ROOT, action).inputs)) expect(variables).toContain(inputVariable(name));
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

    test.each(commands.map((c) => [c]))('%s', (line) => {
      const exit = Number(/#\s*exit (\d+)\s*$/.exec(line)?.[1] ?? 0);
      const command = line.replace(/\s+#.*$/, '');
      const result = spawnSync('sh', ['-c', command], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PWD: ROOT } });
      if (result.status !== exit) throw new Error(`exit ${result.status}, expected ${exit}\n${result.stdout}\n${result.stderr}`.slice(-2000));
    }, 70_000);
  });

  // Issue [5] item 7: the step-by-step local deploy runs as written, against a real moto_server and the
  // provider mirror. The test starts moto itself (on a free port, where the README says 5000) and uses
  // this machine's mirror folder (where the README says /opt/tf-plugins).
  describe('the local deploy to moto runs as written', () => {
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

    (('skip' in tools) ? test.skip : test)('apply, apply again with no changes, destroy', async () => {
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
      const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !['CI', 'GITHUB_ACTIONS', 'TF_CLI_CONFIG_FILE'].includes(e[0])));
      const run = await runProcess('sh', ['-e', '-c', script], { cwd: ROOT, env: { ...env, PWD: ROOT }, timeoutMs: 300_000 });
      if (run.code !== 0) throw new Error(`exit ${run.code}\n${run.stdout}\n${run.stderr}`.slice(-3000));
      const printed = run.stdout.split('\n').filter((line) => expected.includes(line));
      expect(printed).toEqual(expected);
    }, 320_000);

    afterAll(async () => {
      await moto?.close();
    });
  });
});
