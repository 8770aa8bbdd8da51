import { preparedTool } from '../support/prepare';

/**
 * The node binary of the `node@24` npm package, so the bundle also runs on the major version
 * `runs.using: node24` selects. Installed once per machine by jest's globalSetup
 * (test/support/prepare.ts), never while a test module loads; a reason to skip when npm could not get it.
 * Synchronous, so a test file can choose `test` or `test.skip` as it loads.
 */
export function node24Binary(): { path: string } | { skip: string } {
  return preparedTool('node24');
}
