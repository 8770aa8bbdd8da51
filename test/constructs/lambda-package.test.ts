/** Our Lambda zip (fflate, AssetType.FILE): the same sources give the same bytes, whoever packages them and when. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { readZip } from '../../src/local/gateway';

const FILES: [string, string][] = [
  ['index.js', "exports.handler = async () => ({ statusCode: 200, body: require('./lib/util').name });\n"],
  ['lib/util.js', "exports.name = 'util';\n"],
  ['lib/data/a.json', '{"a":1}\n'],
  ['README', 'not code\n'],
];

let work: string;
let bundle: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'lambda-package-'));
  bundle = join(work, 'lambda-package.js');
  buildSync({
    entryPoints: [join(__dirname, '../../src/constructs/lambda-package.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: bundle,
    logLevel: 'warning',
  });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Writes the sources (in the given order, under the given umask, with the given mtime), then packages them.
const CHILD = `
const { mkdirSync, writeFileSync, utimesSync } = require('node:fs');
const { dirname, join } = require('node:path');
const [bundle, src, out, umask, mtime, order] = process.argv.slice(1);
process.umask(parseInt(umask, 8));
const files = JSON.parse(process.env.FILES);
if (order === 'reverse') files.reverse();
for (const [name, text] of files) {
  mkdirSync(dirname(join(src, name)), { recursive: true });
  writeFileSync(join(src, name), text);
  utimesSync(join(src, name), Number(mtime), Number(mtime));
}
process.stdout.write(JSON.stringify(require(bundle).packageLambda(src, out)));
`;

function packageInChild(name: string, umask: string, mtimeSeconds: number, tz: string, order: 'forward' | 'reverse') {
  const src = join(work, name, 'src');
  const out = join(work, name, 'out');
  const run = spawnSync(process.execPath, ['-e', CHILD, bundle, src, out, umask, String(mtimeSeconds), order], {
    env: { PATH: process.env.PATH ?? '', FILES: JSON.stringify(FILES), TZ: tz },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(run.stderr);
  const packaged = JSON.parse(run.stdout) as { zipPath: string; sourceCodeHash: string };
  return { ...packaged, src, bytes: readFileSync(packaged.zipPath) };
}

test('two packagings in separate processes, with different umasks, mtimes, time zones and write orders, give the same bytes', () => {
  const first = packageInChild('first', '022', 1_000_000_000, 'UTC', 'forward');
  const second = packageInChild('second', '077', 1_900_000_000, 'Pacific/Kiritimati', 'reverse');
  // The inputs really differ, so equal outputs mean something.
  const statOf = (root: string) => statSync(join(root, 'index.js'));
  expect(statOf(first.src).mode & 0o777).toBe(0o644);
  expect(statOf(second.src).mode & 0o777).toBe(0o600);
  expect(statOf(first.src).mtimeMs).not.toBe(statOf(second.src).mtimeMs);

  expect(second.bytes.equals(first.bytes)).toBe(true);
  expect(second.sourceCodeHash).toBe(first.sourceCodeHash);
  expect(second.zipPath.split('/').pop()).toBe(first.zipPath.split('/').pop());
  // Sorted entries holding the sources, and a different source gives a different zip.
  expect(readZip(first.bytes).map((entry) => [entry.name, entry.data.toString('utf8')])).toEqual([...FILES].sort(([a], [b]) => (a < b ? -1 : 1)));
});

const noZipinfo = spawnSync('zipinfo', ['-h']).status === 0 ? undefined : 'zipinfo is not installed';
(noZipinfo ? test.skip : test)(
  `the zip records one fixed time and mode for every entry, whatever the files carry${noZipinfo ? ` (skipped: ${noZipinfo})` : ''}`,
  () => {
    const { zipPath } = packageInChild('listing', '077', 1_900_000_000, 'Asia/Kolkata', 'forward');
    const listing = spawnSync('zipinfo', ['-l', zipPath], { encoding: 'utf8' });
    if (listing.status !== 0) throw new Error(`zipinfo: ${listing.stderr}`);
    const rows = listing.stdout.split('\n').filter((line) => line.startsWith('-'));
    expect(rows).toHaveLength(FILES.length);
    for (const row of rows) expect(row).toMatch(/^-rw-r--r-- .* 80-Jan-01 00:00 /);
  },
);
