import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';

/** The official SARIF 2.1.0 JSON schema, shipped as a fixture (source and checksum in its README.md). */
export const SARIF_SCHEMA_FILE = join(__dirname, '..', 'fixtures', 'sarif', 'sarif-2.1.0-rtm.5.json');

/**
 * A validator for that schema (JSON Schema draft-04, hence ajv-draft-04). Its `language` pattern is not
 * a valid regular expression in unicode mode, so patterns are compiled without the u flag.
 */
function compile() {
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(SARIF_SCHEMA_FILE, 'utf8')) as object);
}

export const validateSarif = compile();

/** `{ valid: true, errors: null }` for a valid log; the first errors otherwise (for toEqual). */
export function sarifValidity(log: unknown): { valid: boolean; errors: unknown } {
  const valid = validateSarif(log);
  return { valid, errors: valid ? null : (validateSarif.errors ?? []).slice(0, 3) };
}
