import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { LambdaLoadError } from './errors';

export interface ZipEntry {
  readonly name: string;
  readonly data: Buffer;
}

/**
 * Reads a zip (stored or deflated entries, no zip64, no encryption) through its central directory,
 * which is what Lambda deployment packages are. Each entry's CRC is checked.
 */
export function readZip(zip: Buffer, label = 'zip'): ZipEntry[] {
  const eocd = findEndOfCentralDirectory(zip);
  if (eocd < 0) throw new LambdaLoadError(`${label}: not a zip file (no end-of-central-directory record)`);
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  if (offset === 0xffffffff || count === 0xffff) throw new LambdaLoadError(`${label}: zip64 archives are not supported`);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    if (offset + 46 > zip.length || zip.readUInt32LE(offset) !== 0x02014b50) throw new LambdaLoadError(`${label}: corrupt central directory at entry ${i}`);
    const flags = zip.readUInt16LE(offset + 8);
    const method = zip.readUInt16LE(offset + 10);
    const crc = zip.readUInt32LE(offset + 16);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    if (flags & 0x1) throw new LambdaLoadError(`${label}: entry "${name}" is encrypted`);
    if (zip.readUInt32LE(localOffset) !== 0x04034b50) throw new LambdaLoadError(`${label}: corrupt local header for "${name}"`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = inflateRawSync(raw);
    else throw new LambdaLoadError(`${label}: entry "${name}" uses compression method ${method}; expected stored (0) or deflate (8)`);
    if (data.length !== size || crc32(data) !== crc) throw new LambdaLoadError(`${label}: entry "${name}" fails its size or CRC check`);
    entries.push({ name, data });
  }
  return entries;
}

/** Writes entries under `directory`, refusing names that would escape it ("zip slip"). */
export function extractZip(zip: Buffer, directory: string, label = 'zip'): void {
  const root = resolve(directory);
  for (const entry of readZip(zip, label)) {
    const target = resolve(join(root, entry.name));
    if (!target.startsWith(root + sep)) throw new LambdaLoadError(`${label}: entry "${entry.name}" would be written outside the target directory`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, entry.data);
  }
}

function findEndOfCentralDirectory(zip: Buffer): number {
  const stop = Math.max(0, zip.length - 22 - 0xffff);
  for (let i = zip.length - 22; i >= stop; i -= 1) {
    if (zip.readUInt32LE(i) === 0x06054b50) return i;
  }
  return -1;
}
