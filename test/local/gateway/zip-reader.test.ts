/**
 * Reading users' Lambda zips (fflate) as the tools they use write them: Info-ZIP's `zip` and Python's
 * `zipfile`, including data descriptors (streamed zips) and zip64.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractZip, readZip } from '../../../src/local/gateway';

const SOURCES: Record<string, string> = {
  'index.js': "const { shout } = require('./lib/util'); exports.handler = async () => ({ statusCode: 200, body: shout('hi') });\n",
  'lib/util.js': 'exports.shout = (s) => s.toUpperCase();\n'.repeat(40),
};
const NAMES = Object.keys(SOURCES);

let work: string;
let src: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'zip-reader-'));
  src = join(work, 'src');
  for (const [name, text] of Object.entries(SOURCES)) {
    mkdirSync(join(src, name, '..'), { recursive: true });
    writeFileSync(join(src, name), text);
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const missing = (tool: string, args: string[]) => (spawnSync(tool, args).status === 0 ? undefined : `${tool} is not installed`);
const noZip = missing('zip', ['-v']);
const noPython = missing('python3', ['--version']);
const withZip = noZip ? test.skip : test;
const withPython = noPython ? test.skip : test;

/** Runs a shell line in the source folder; returns the zip it wrote to stdout or to `out.zip`. */
function shell(line: string): Buffer {
  const out = join(work, 'out.zip');
  rmSync(out, { force: true });
  const run = spawnSync('sh', ['-c', line], { cwd: src, maxBuffer: 1 << 24, env: { ...process.env, OUT: out } });
  if (run.status !== 0) throw new Error(`${line}: ${run.stderr.toString()}`);
  return run.stdout.length > 0 ? run.stdout : readFileSync(out);
}

const python = (script: string) => shell(`python3 -c '${script}'`);
const PY_WRITE_ALL = `for n in ${JSON.stringify(NAMES)}: z.write(n)`;

function expectSources(zip: Buffer): void {
  const entries = readZip(zip);
  expect(entries.map((entry) => entry.name).sort()).toEqual(NAMES);
  for (const entry of entries) expect(entry.data.toString('utf8')).toBe(SOURCES[entry.name]);
}

/** Counts a zip signature: data descriptor PK\x07\x08, zip64 end record PK\x06\x06. */
const count = (zip: Buffer, signature: number[]) => zip.toString('latin1').split(Buffer.from(signature).toString('latin1')).length - 1;

describe(`zips written by Info-ZIP zip${noZip ? ` (skipped: ${noZip})` : ''}`, () => {
  const DESCRIPTOR = [0x50, 0x4b, 7, 8];
  const ZIP64_END = [0x50, 0x4b, 6, 6];
  withZip.each([
    ['zip -r (with folder entries, skipped on reading)', 'zip -q -r "$OUT" .', undefined, 0],
    ['zip -fd: data descriptors after each entry', 'zip -q -fd "$OUT" index.js lib/util.js', DESCRIPTOR, 2],
    ['zip - … | cat: a streamed zip (data descriptors, sizes unknown up front)', 'zip -q - index.js lib/util.js | cat', DESCRIPTOR, 2],
    ['zip -fz: zip64 end of central directory and extra fields (refused by the old reader)', 'zip -q -fz "$OUT" index.js lib/util.js', ZIP64_END, 1],
    ['zip -0: stored entries', 'zip -q -0 "$OUT" index.js lib/util.js', undefined, 0],
  ])('%s', (_what, line, signature, times) => {
    const zip = shell(line);
    if (signature) expect(count(zip, signature)).toBe(times);
    expectSources(zip);
  });

  withZip('zip -Z bzip2 and zip -P are one ERR_LAMBDA_LOAD line', () => {
    expect(() => readZip(shell('zip -q -Z bzip2 "$OUT" lib/util.js'), 'fn.zip')).toThrow(/^fn\.zip: not a readable zip \(unknown compression type 12\)$/);
    const encrypted = shell('zip -q -0 -P secret "$OUT" index.js');
    expect(() => readZip(encrypted, 'fn.zip')).toThrow(expect.objectContaining({ code: 'ERR_LAMBDA_LOAD', message: expect.stringMatching(/^fn\.zip: /) }));
  });
});

describe(`zips written by Python's zipfile${noPython ? ` (skipped: ${noPython})` : ''}`, () => {
  withPython('ZIP_DEFLATED and ZIP_STORED', () => {
    expectSources(python(`import os,zipfile\nwith zipfile.ZipFile(os.environ["OUT"], "w", zipfile.ZIP_DEFLATED) as z:\n  ${PY_WRITE_ALL}`));
    expectSources(python(`import os,zipfile\nwith zipfile.ZipFile(os.environ["OUT"], "w", zipfile.ZIP_STORED) as z:\n  ${PY_WRITE_ALL}`));
  });

  withPython('written to a pipe: data descriptors', () => {
    const zip = python(`import sys,zipfile\nwith zipfile.ZipFile(sys.stdout.buffer, "w", zipfile.ZIP_DEFLATED) as z:\n  ${PY_WRITE_ALL}`);
    expect(count(zip, [0x50, 0x4b, 7, 8])).toBe(2);
    expectSources(zip);
  });

  withPython('force_zip64=True: zip64 local headers', () => {
    const zip = python(
      `import os,zipfile\nwith zipfile.ZipFile(os.environ["OUT"], "w", zipfile.ZIP_DEFLATED) as z:\n  for n in ${JSON.stringify(NAMES)}:\n    with z.open(n, "w", force_zip64=True) as f: f.write(open(n, "rb").read())`,
    );
    expectSources(zip);
  });

  withPython('a name twice or a name that climbs out is refused, and nothing is written outside', () => {
    const twice = python(
      `import os,zipfile,warnings\nwarnings.simplefilter("ignore")\nwith zipfile.ZipFile(os.environ["OUT"], "w") as z:\n  z.writestr("index.js", "a")\n  z.writestr("index.js", "b")`,
    );
    expect(() => readZip(twice, 'fn.zip')).toThrow('fn.zip: entry "index.js" appears more than once');
    const slip = python(`import os,zipfile\nwith zipfile.ZipFile(os.environ["OUT"], "w") as z:\n  z.writestr("../escaped.js", "x")`);
    const target = join(work, 'extract', 'deeper');
    expect(() => extractZip(slip, target, 'fn.zip')).toThrow('fn.zip: entry "../escaped.js" would be written outside the target directory');
    expect(spawnSync('ls', [join(work, 'extract', 'escaped.js')]).status).not.toBe(0);
  });
});

test('not a zip, and a truncated one, are one ERR_LAMBDA_LOAD line', () => {
  expect(() => readZip(Buffer.from('not a zip at all'), 'bad.zip')).toThrow(/^bad\.zip: not a readable zip \(/);
  expect(() => readZip(Buffer.alloc(0), 'empty.zip')).toThrow(expect.objectContaining({ code: 'ERR_LAMBDA_LOAD' }));
});
