import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MIRROR_SUFFIX = join('registry.terraform.io', 'hashicorp', 'aws');

/** Folders searched for an offline provider mirror when no variable names one. */
export const DEFAULT_MIRROR_ROOTS = ['/opt', '/usr/local/share', '/usr/share', '/var/lib'];

/**
 * Finds a Terraform filesystem mirror holding `registry.terraform.io/hashicorp/aws`: the folder named
 * by ENTRA_API_GUARD_PROVIDER_MIRROR, else the first found (depth ≤ 3) under the given roots and
 * ~/.terraform.d. Returns the mirror root (the folder that contains `registry.terraform.io`).
 */
export function findProviderMirror(env: Record<string, string | undefined>, roots: readonly string[] = DEFAULT_MIRROR_ROOTS): string | undefined {
  const named = env.ENTRA_API_GUARD_PROVIDER_MIRROR;
  if (named) return existsSync(join(named, MIRROR_SUFFIX)) ? named : undefined;
  const home = env.HOME ? [join(env.HOME, '.terraform.d', 'plugins'), join(env.HOME, '.terraform.d')] : [];
  for (const root of [...home, ...roots]) {
    const found = search(root, 3);
    if (found) return found;
  }
  return undefined;
}

function search(dir: string, depth: number): string | undefined {
  if (existsSync(join(dir, MIRROR_SUFFIX))) return dir;
  if (depth === 0) return undefined;
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return undefined;
  }
  for (const name of entries) {
    const found = search(join(dir, name), depth - 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * The newest aws provider version the mirror holds (e.g. 5.100.0), for a version override. An unpacked
 * mirror has a folder per version; a packed one, which `terraform providers mirror` writes, a zip per
 * version and platform (next to index.json and <version>.json).
 */
export function mirrorAwsVersion(mirror: string): string | undefined {
  const versions = readdirSync(join(mirror, MIRROR_SUFFIX))
    .map((name) => /^(?:terraform-provider-aws_)?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)(?:_[0-9a-z]+_[0-9a-z]+\.zip)?$/.exec(name)?.[1])
    .filter((version): version is string => version !== undefined)
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return versions[versions.length - 1];
}

/** Writes a CLI config that installs the aws provider from the mirror and everything else directly. */
export function writeMirrorCliConfig(mirror: string, path: string): string {
  const text = [
    'provider_installation {',
    `  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }`,
    '  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }',
    '}',
    '',
  ].join('\n');
  writeFileSync(path, text);
  return path;
}
