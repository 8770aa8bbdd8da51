import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { InvalidInputError } from '../errors';

export interface PackagedLambda {
  /** Path of the zip file, named after its content hash. */
  readonly zipPath: string;
  /** base64 SHA-256 of the zip, as Lambda's `source_code_hash` expects. */
  readonly sourceCodeHash: string;
}

/**
 * Zips a Lambda source folder deterministically (sorted entries, fixed timestamps, fixed mode), so the
 * hash — and therefore the plan — never churns. We zip ourselves instead of using cdktf's ARCHIVE
 * assets, which re-run the app's own file to zip (fatal inside a bundle, protocols.md §6).
 */
export function packageLambda(sourceDir: string, outDir: string): PackagedLambda {
  if (!existsSync(sourceDir) || !statSync(sourceDir).isDirectory()) {
    throw new InvalidInputError('integration.lambdaDir', sourceDir, 'a folder with the Lambda handler (e.g. stacks/lambda/hello with index.js)');
  }
  const files = listFiles(sourceDir).map((path) => ({ name: relative(sourceDir, path).split(sep).join('/'), data: readFileSync(path) }));
  const zip = buildZip(files);
  const hex = createHash('sha256').update(zip).digest('hex');
  mkdirSync(outDir, { recursive: true });
  const zipPath = join(outDir, `lambda-${hex.slice(0, 16)}.zip`);
  // Never trust a file already there (a crash's half-written zip, or a planted one): same bytes or rewrite.
  if (!existsSync(zipPath) || !readFileSync(zipPath).equals(zip)) writeFileSync(zipPath, zip);
  return { zipPath, sourceCodeHash: Buffer.from(hex, 'hex').toString('base64') };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listFiles(path);
      return entry.isFile() ? [path] : [];
    });
}

/**
 * Writes a zip (deflate, level 9) whose bytes depend on names and contents only: every entry gets the
 * same DOS time (1980-01-01 00:00, built from local time as DOS times are, so any TZ writes the same
 * bytes) and mode (-rw-r--r--, Unix), in the order given.
 */
export function buildZip(files: readonly { name: string; data: Uint8Array }[]): Buffer {
  const entries: Zippable = Object.create(null) as Zippable;
  for (const file of files) entries[file.name] = [file.data, { level: 9, mtime: new Date(1980, 0, 1), os: 3, attrs: (0o100644 << 16) >>> 0 }];
  const zip = zipSync(entries);
  return Buffer.from(zip.buffer, zip.byteOffset, zip.length);
}
