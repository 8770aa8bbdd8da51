import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MIRROR_ROOTS, findProviderMirror } from '../../src/deploy/provider-mirror';
import { BIN, CliRun } from '../support/cli-run';

/**
 * `local --engine terraform` on a machine with no aws provider mirror anywhere and none named. This
 * machine has one (/opt/tf-plugins), so the bin runs in a private mount namespace where an empty
 * tmpfs covers it; a machine without a mirror runs the bin as it is.
 */
const home = mkdtempSync(join(tmpdir(), 'no-mirror-home-'));
const env = { HOME: home, ENTRA_API_GUARD_PROVIDER_MIRROR: undefined };
const mirror = findProviderMirror(env);
const hidden = mirror === undefined ? [] : ['unshare', '--map-root-user', '--mount', 'sh', '-c', `mount -t tmpfs none "${mirror}" && exec "$0" "$@"`];
const canHide = mirror === undefined || spawnSync(hidden[0]!, [...hidden.slice(1), 'true']).status === 0;
const runs: CliRun[] = [];
afterEach(() => runs.splice(0).forEach((run) => run.dispose()));
afterAll(() => rmSync(home, { recursive: true, force: true }));

(canHide ? describe : describe.skip)(
  canHide
    ? 'local --engine terraform with no provider mirror at all'
    : `local --engine terraform with no provider mirror at all (skipped: cannot hide the mirror at ${mirror}: no unprivileged mount namespace here)`,
  () => {
    test('one line naming the folders searched and the variable to set, exit 2, nothing left in the temp folder', async () => {
      const run = new CliRun(['local', '--engine', 'terraform'], env, { command: [...hidden, process.execPath, BIN] });
      runs.push(run);
      const { code } = await run.exited;
      expect(run.stderr).toBe(
        `error: --engine terraform: no offline aws provider mirror (searched ~/.terraform.d and ${DEFAULT_MIRROR_ROOTS.join(', ')}); set ENTRA_API_GUARD_PROVIDER_MIRROR to a folder filled by "terraform providers mirror <folder>"; or use --engine emulate [ERR_ENGINE_UNAVAILABLE]\n`,
      );
      expect(run.stdout).toBe('');
      expect(code).toBe(2);
      expect(run.tmpEntries()).toEqual([]);
      expect(run.survivors()).toEqual([]);
    }, 30_000);
  },
);
