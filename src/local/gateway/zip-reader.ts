import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { unzipSync } from 'fflate';
import { LambdaLoadError } from './errors';

export interface ZipEntry {
  readonly name: string;
  readonly data: Buffer;
}

/**
 * Reads a Lambda deployment package with fflate, through its central directory: stored or deflated
 * entries, zip64, data descriptors (streamed zips). Folders are skipped. Each entry's size is checked
 * against the directory; a name that appears twice is refused, since tools disagree on which copy wins.
 */
export function readZip(zip: Uint8Array, label = 'zip'): ZipEntry[] {
  const sizes = new Map<string, number>();
  let duplicate: string | undefined;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, {
      filter: ({ name, originalSize }) => {
        if (name.endsWith('/')) return false;
        if (sizes.has(name)) duplicate ??= name;
        sizes.set(name, originalSize);
        return true;
      },
    });
  } catch (error) {
    throw new LambdaLoadError(`${label}: not a readable zip (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  if (duplicate !== undefined) throw new LambdaLoadError(`${label}: entry "${duplicate}" appears more than once`);
  return [...sizes].map(([name, size]) => {
    const data = files[name] as Uint8Array;
    if (data.length !== size) throw new LambdaLoadError(`${label}: entry "${name}" fails its size check (encrypted or corrupt)`);
    return { name, data: Buffer.from(data.buffer, data.byteOffset, data.length) };
  });
}

/** Writes entries under `directory`, refusing names that would escape it ("zip slip"). */
export function extractZip(zip: Uint8Array, directory: string, label = 'zip'): void {
  const root = resolve(directory);
  for (const entry of readZip(zip, label)) {
    const target = resolve(join(root, entry.name));
    if (!target.startsWith(root + sep)) throw new LambdaLoadError(`${label}: entry "${entry.name}" would be written outside the target directory`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, entry.data);
  }
}
