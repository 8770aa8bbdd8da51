import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ACTION_YML = join(__dirname, '../../action.yml');

/**
 * The inputs as a runner hands them over: every action.yml default, then what the workflow set.
 * (A runner exports each default as INPUT_*, so a test that omits them tests another program.)
 */
export function withActionDefaults(inputs: Record<string, string>): Record<string, string> {
  const spec = parse(readFileSync(ACTION_YML, 'utf8')) as { inputs: Record<string, { default?: unknown }> };
  const defaults = Object.fromEntries(Object.entries(spec.inputs).map(([name, input]) => [name, input.default === undefined ? '' : String(input.default)]));
  return { ...defaults, ...inputs };
}
