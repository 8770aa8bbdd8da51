import { join } from 'node:path';
import { manifestDefaults, readManifest } from '../../action/manifest';

/**
 * The inputs as a runner hands them over: every action.yml default, then what the workflow set.
 * (A runner exports each default as INPUT_*, so a test that omits them tests another program.)
 */
export function withActionDefaults(inputs: Record<string, string>): Record<string, string> {
  return { ...manifestDefaults(readManifest(join(__dirname, '../..'), 'main')), ...inputs };
}
