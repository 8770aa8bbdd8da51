import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildSync } from 'esbuild';

const run = promisify(execFile);
let root: string;

/** Lays out bin/ and dist/src/cli/index.js as the package will, built from today's sources. */
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'guard-bin-'));
  mkdirSync(join(root, 'bin'));
  copyFileSync(join(__dirname, '../../bin/entra-api-guard.js'), join(root, 'bin/entra-api-guard.js'));
  buildSync({
    entryPoints: [join(__dirname, '../../src/cli/index.ts')],
    outfile: join(root, 'dist/src/cli/index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'silent',
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('bin/entra-api-guard.js', () => {
  it('runs main with process argv and sets the exit code (2 on a usage error)', async () => {
    const failure = await run(process.execPath, [join(root, 'bin/entra-api-guard.js'), 'verify', '--api-url', 'x']).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2, stderr: 'error: --api-url: got "x"; expected an absolute http(s) URL such as https://abc123.execute-api.eu-west-1.amazonaws.com (see entra-api-guard verify --help)\n' });
  });

  it('prints help and exits 0', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'bin/entra-api-guard.js'), 'verify', '--help']);
    expect(stdout).toMatch(/^Usage: entra-api-guard verify --api-url URL/);
  });
});
