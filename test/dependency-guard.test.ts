// Issue [5] #5: @actions/core is used only through its package entry (its lib/ paths are internal and
// moved in 2.x → 3.x), and @actions/github is gone: the action reads GITHUB_* itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './support/cli-bin';

const SOURCE_FOLDERS = ['src', 'action', 'stacks', 'verify', 'bench', 'test', 'examples'];
const NOT_SOURCE = new Set(['node_modules', 'dist', 'cdktf.out', 'fixtures']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return NOT_SOURCE.has(entry.name) ? [] : sourceFiles(path);
    return /\.(?:[cm]?[jt]s)$/.test(entry.name) ? [path] : [];
  });
}

/** Every module an `import … from`, `export … from`, `require()` or `import()` names, as `file: specifier`. */
function actionsModules(): string[] {
  const specifier = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|^\s*import\s+)['"](@actions\/[^'"]+)['"]/gm;
  const files = SOURCE_FOLDERS.flatMap((folder) => {
    try {
      return sourceFiles(join(ROOT, folder));
    } catch {
      return [];
    }
  });
  return files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(specifier)].map((m) => `${relative(ROOT, file)}: ${m[1]}`));
}

describe('the @actions packages', () => {
  const used = actionsModules();

  test('@actions/core is imported by its package name only, never a deep path', () => {
    expect(used.length).toBeGreaterThan(0); // the scan sees the toolkit's import
    expect(used.filter((entry) => /: @actions\/core\//.test(entry))).toEqual([]);
  });

  test('@actions/github is neither imported nor a dependency', () => {
    expect(used.filter((entry) => entry.includes('@actions/github'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    const declared = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) => Object.keys(manifest[field] ?? {}));
    expect(declared.filter((name) => name.startsWith('@actions/'))).toEqual(['@actions/core']);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    expect(Object.keys(lock.packages).filter((path) => path.endsWith('node_modules/@actions/github'))).toEqual([]);
  });
});
