import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LambdaCode, LambdaHandler } from './definition';
import { LambdaLoadError } from './errors';
import { extractZip } from './zip-reader';

/** Loaded Lambda handlers plus the temp folders their zips were unpacked into. */
export class LambdaLoader {
  private readonly tempDirs: string[] = [];
  private readonly loaded = new Map<string, LambdaHandler>();

  /** Loads `handler` ("file.export", file relative to the package root, .js/.cjs) from a zip or directory. */
  load(code: LambdaCode): LambdaHandler {
    const key = `${code.zipPath ?? ''}|${code.directory ?? ''}|${code.handler}`;
    const cached = this.loaded.get(key);
    if (cached) return cached;
    let root: string;
    if (code.zipPath !== undefined) {
      const zipPath = resolve(code.zipPath);
      if (!existsSync(zipPath)) throw new LambdaLoadError(`lambda zipPath: got "${code.zipPath}"; expected an existing zip file`);
      root = mkdtempSync(join(tmpdir(), 'gateway-lambda-'));
      this.tempDirs.push(root);
      extractZip(readFileSync(zipPath), root, code.zipPath);
    } else {
      root = resolve(code.directory);
      if (!existsSync(root)) throw new LambdaLoadError(`lambda directory: got "${code.directory}"; expected an existing directory`);
    }
    const handler = requireHandler(root, code.handler);
    this.loaded.set(key, handler);
    return handler;
  }

  /** Removes unpacked zips. */
  dispose(): void {
    for (const dir of this.tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    this.loaded.clear();
  }
}

function requireHandler(root: string, handler: string): LambdaHandler {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0 || dot === handler.length - 1) throw new LambdaLoadError(`lambda handler: got "${handler}"; expected "file.export", e.g. "index.handler"`);
  const modulePath = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const candidates = ['.js', '.cjs', ''].map((ext) => join(root, modulePath + ext));
  const file = candidates.find((candidate) => existsSync(candidate));
  if (!file)
    throw new LambdaLoadError(`lambda handler: got "${handler}"; expected ${modulePath}.js or ${modulePath}.cjs in the package (ES modules are not supported)`);
  let loaded: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(file) as Record<string, unknown>;
  } catch (error) {
    throw new LambdaLoadError(`lambda handler: "${handler}" failed to load: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const fn = loaded[exportName];
  if (typeof fn !== 'function') throw new LambdaLoadError(`lambda handler: got "${handler}"; expected ${modulePath} to export a function named ${exportName}`);
  return fn as LambdaHandler;
}
