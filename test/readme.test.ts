// The README is part of the product: its commands run, its tables match action.yml, its scripts exist.
// Its local deploy to moto runs in readme-deploy.test.ts (a file of its own: the suite's longest test).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attackTableMarkdown } from '../src/gate/attacks';
import { runProcess } from './support/process';
import { README, readmeBlocks as blocks } from './support/readme';

const ROOT = join(__dirname, '..');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };


/** `name` → default, per section of action.yml (inputs / outputs). */
function actionYml(section: 'inputs' | 'outputs'): Map<string, string> {
  const lines = readFileSync(join(ROOT, 'action.yml'), 'utf8').split('\n');
  const out = new Map<string, string>();
  let inside = false;
  let current: string | undefined;
  for (const line of lines) {
    if (/^\S/.test(line)) inside = line.startsWith(`${section}:`);
    if (!inside) continue;
    const name = /^ {2}([a-z0-9-]+):\s*$/.exec(line);
    if (name) out.set((current = name[1]!), '');
    const def = /^ {4}default:\s*"?([^"]*)"?\s*$/.exec(line);
    if (def && current) out.set(current, def[1]!);
  }
  return out;
}

function readmeTable(header: string): Map<string, string> {
  const start = README.indexOf(header);
  const rows = README.slice(start).split('\n').slice(2);
  const out = new Map<string, string>();
  for (const row of rows) {
    if (!row.startsWith('|')) break;
    const cells = row.split(/(?<!\\)\|/).map((c) => c.trim());
    out.set(cells[1]!.replace(/`/g, ''), header.startsWith('| input') ? cells[2]!.replace(/`/g, '') : '');
  }
  return out;
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

  test('the action inputs table matches action.yml (names and defaults)', () => {
    expect([...readmeTable('| input | default | description |')]).toEqual([...actionYml('inputs')]);
  });

  test('the attack table is the attack registry of the gate (regenerate with attackTableMarkdown() from src/gate/attacks)', () => {
    const section = /<!-- attack-table:start -->\n([\s\S]*?)\n<!-- attack-table:end -->/.exec(README)?.[1];
    expect(section).toBe(attackTableMarkdown());
  });

  test('the action outputs table matches action.yml', () => {
    expect([...readmeTable('| output | description |').keys()]).toEqual([...actionYml('outputs').keys()]);
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
    test.concurrent.each(commands.map((c) => [c]))('%s', async (line) => {
      const exit = Number(/#\s*exit (\d+)\s*$/.exec(line)?.[1] ?? 0);
      const command = line.replace(/\s+#.*$/, '');
      const env = Object.fromEntries(Object.entries({ ...process.env, PWD: ROOT }).filter((e): e is [string, string] => e[1] !== undefined));
      const result = await runProcess('sh', ['-c', command], { cwd: ROOT, env, timeoutMs: 60_000 });
      if (result.code !== exit) throw new Error(`exit ${result.code}, expected ${exit}\n${result.stdout}\n${result.stderr}`.slice(-2000));
    }, 70_000);
  });
});
