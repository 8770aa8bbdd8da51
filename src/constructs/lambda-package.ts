import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { InvalidInputError } from '../errors';

/** 1980-01-01 00:00 in DOS format: every entry gets it, so the zip's bytes depend on content only. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

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

/** Writes a zip (deflate) with the local headers, central directory and end record of APPNOTE 6.3. */
export function buildZip(files: readonly { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name, 'utf8');
    const compressed = deflateRawSync(file.data, { level: 9 });
    const crc = crc32(file.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by unix, so the mode below is read
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(file.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((0o100644 << 16) >>> 0), 38); // -rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const centralSize = centrals.reduce((sum, part) => sum + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
