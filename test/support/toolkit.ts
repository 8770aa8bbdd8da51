import { join } from 'node:path';

/**
 * `@actions/core` as the action ships it: the committed bundle's toolkit file (action/dist/toolkit.js).
 * @actions/core 3 is ESM-only, which jest's CommonJS runtime cannot load; the bundle is CommonJS,
 * and it is what runs on GitHub anyway.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a file of the bundle, by its path at run time
export const toolkit = require(join(__dirname, '../../action/dist/toolkit.js')) as typeof import('../../action/toolkit');
