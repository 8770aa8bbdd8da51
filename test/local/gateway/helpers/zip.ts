import { buildZip as buildZipFromFiles } from '../../../../src/constructs/lambda-package';

/** A small zip for Lambda-from-zip tests, written by the same writer the constructs use. */
export function buildZip(files: Record<string, string>): Buffer {
  return buildZipFromFiles(
    Object.entries(files)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, text]) => ({ name, data: Buffer.from(text) })),
  );
}
