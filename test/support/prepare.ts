/**
 * What a test run needs once, prepared by jest's globalSetup (test/support/global-setup.ts) before any
 * worker starts, and handed to the workers through their environment:
 * - the build (`npm run build` into dist/, once, so no test builds into the dist/ others read);
 * - the aws provider for the terraform tests: the offline mirror, or on a machine with the network
 *   (ENTRA_API_GUARD_ALLOW_PROVIDER_DOWNLOAD=1, set by GitHub CI) one download into a cache that then
 *   serves as the mirror;
 * - node@24 and cdktf-cli@0.21.0 from npm, installed once per machine into the temp folder.
 * Test files read the outcome with {@link preparedTool}; a missing tool is a reason to skip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProviderMirror } from '../../src/deploy/provider-mirror';
import { findOnPath } from '../../src/local/on-path';

export const ROOT = join(__dirname, '../..');

/** The aws provider version the terraform tests pin (the one the offline mirror holds). */
export const TEST_AWS_PROVIDER = '5.100.0';

/** Set to 1 where the registry can be reached (GitHub CI): the tests then fetch the aws provider once. */
export const ALLOW_PROVIDER_DOWNLOAD = 'ENTRA_API_GUARD_ALLOW_PROVIDER_DOWNLOAD';

/** The tools a worker can ask for, and the variable each is handed over in. */
const TOOL_VARIABLES = { node24: 'ENTRA_API_GUARD_TEST_NODE24', cdktf: 'ENTRA_API_GUARD_TEST_CDKTF' } as const;
export type PreparedTool = keyof typeof TOOL_VARIABLES;

/** `npm run build` into dist/, once per run. Throws with npm's output when it fails. */
export function buildOnce(): void {
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
}

/**
 * Makes sure the terraform tests find an aws provider mirror. Offline (this machine) the mirror is
 * already there and nothing changes. Without one, and with ENTRA_API_GUARD_ALLOW_PROVIDER_DOWNLOAD=1,
 * one `terraform init` fills a plugin cache in the temp folder; a plugin cache has the unpacked layout
 * of a filesystem mirror, so the cache becomes ENTRA_API_GUARD_PROVIDER_MIRROR for the whole run —
 * the tests, and the rehearsal's own engine detection inside them, then work as they do offline.
 * Returns what it did, for one line in the run's output.
 */
export function prepareProviderMirror(env: NodeJS.ProcessEnv, options: { cache?: string; roots?: readonly string[] } = {}): string {
  const cache = options.cache ?? join(tmpdir(), 'entra-api-guard-provider-cache');
  const found = findProviderMirror(env, options.roots);
  if (found) return `aws provider mirror: ${found}`;
  if (env.ENTRA_API_GUARD_PROVIDER_MIRROR) return `ENTRA_API_GUARD_PROVIDER_MIRROR names no mirror (terraform tests skip)`;
  if (env[ALLOW_PROVIDER_DOWNLOAD] !== '1')
    return `no aws provider mirror (terraform tests skip; ${ALLOW_PROVIDER_DOWNLOAD}=1 fetches it once where the registry can be reached)`;
  if (!findOnPath('terraform', env)) return 'no terraform on PATH (terraform tests skip)';
  if (!findProviderMirror({ ENTRA_API_GUARD_PROVIDER_MIRROR: cache })) {
    // Fetched into a private folder and renamed into place: a run in another checkout at the same
    // time never sees (or makes) a half-written cache.
    const staging = mkdtempSync(`${cache}.fetching-`);
    try {
      const plugins = join(staging, 'plugins');
      mkdirSync(plugins);
      writeFileSync(
        join(staging, 'main.tf.json'),
        JSON.stringify({ terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: TEST_AWS_PROVIDER } } } }),
      );
      writeFileSync(join(staging, 'direct.tfrc'), 'provider_installation {\n  direct {}\n}\n');
      const init = spawnSync('terraform', ['init', '-input=false', '-no-color', '-backend=false'], {
        cwd: staging,
        encoding: 'utf8',
        timeout: 300_000,
        env: { ...env, TF_CLI_CONFIG_FILE: join(staging, 'direct.tfrc'), TF_PLUGIN_CACHE_DIR: plugins, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' },
      });
      if (init.status !== 0) return `could not fetch the aws provider (terraform tests skip): ${`${init.stderr}${init.stdout}`.trim().split('\n').pop() ?? ''}`;
      try {
        renameSync(plugins, cache);
      } catch {
        // Another run fetched it meanwhile: use theirs.
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  env.ENTRA_API_GUARD_PROVIDER_MIRROR = cache;
  return `aws provider ${TEST_AWS_PROVIDER} fetched once into ${cache}, used as the mirror`;
}

/** node@24's binary, so the action bundle also runs on the Node major that `runs.using: node24` selects. */
export function prepareNode24(env: NodeJS.ProcessEnv): void {
  handOver(env, 'node24', () => {
    const found = npmPackageOnce('node@24', 'entra-api-guard-node24', join('node_modules', 'node', 'bin', 'node'));
    if ('skip' in found) return found;
    const version = spawnSync(found.path, ['--version'], { encoding: 'utf8' }).stdout.trim();
    return version.startsWith('v24.') ? found : { skip: `${found.path} is ${version || 'not runnable'}, not Node 24` };
  });
}

/** cdktf-cli@0.21.0 (≈ 420 MB), to show `cdktf synth` and `cdktf deploy` work on this project. */
export function prepareCdktfCli(env: NodeJS.ProcessEnv): void {
  handOver(env, 'cdktf', () => npmPackageOnce('cdktf-cli@0.21.0', 'entra-api-guard-cdktf-cli-0.21.0', join('node_modules', '.bin', 'cdktf')));
}

/** What globalSetup prepared: the tool's path, or why it is missing (the test then skips with it). */
export function preparedTool(tool: PreparedTool): { path: string } | { skip: string } {
  const value = process.env[TOOL_VARIABLES[tool]];
  if (value === undefined) return { skip: `${tool} was not prepared: run the tests with jest.config.js (its globalSetup installs it)` };
  return value.startsWith('skip:') ? { skip: value.slice('skip:'.length) } : { path: value };
}

function handOver(env: NodeJS.ProcessEnv, tool: PreparedTool, find: () => { path: string } | { skip: string }): void {
  const found = find();
  env[TOOL_VARIABLES[tool]] = 'path' in found ? found.path : `skip:${found.skip}`;
}

/**
 * `npm install <spec>` into a folder of the temp folder, once per machine: the install goes to a
 * private folder first and is renamed into place, so runs in other checkouts at the same time never
 * see (or make) a half-installed tool.
 */
function npmPackageOnce(spec: string, folder: string, binary: string): { path: string } | { skip: string } {
  const home = join(tmpdir(), folder);
  if (existsSync(join(home, binary))) return { path: join(home, binary) };
  const staging = mkdtempSync(`${home}.installing-`);
  try {
    const install = spawnSync('npm', ['install', '--prefix', staging, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', spec], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (install.status !== 0 || !existsSync(join(staging, binary)))
      return { skip: `npm install ${spec} failed (no npm registry?): ${`${install.stderr}`.trim().split('\n').pop() ?? ''}` };
    try {
      renameSync(staging, home);
    } catch {
      // Another run installed it meanwhile: use theirs.
    }
    return existsSync(join(home, binary)) ? { path: join(home, binary) } : { skip: `npm install ${spec}: ${join(home, binary)} is missing` };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
