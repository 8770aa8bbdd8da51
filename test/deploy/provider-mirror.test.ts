// The aws provider mirror: found by the variable or by a search, its version read from either layout,
// and (issue [6] item 8) filled once from the registry where the tests may download it.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProviderMirror, mirrorAwsVersion } from '../../src/deploy/provider-mirror';
import { prepareProviderMirror } from '../support/prepare';

const AWS = join('registry.terraform.io', 'hashicorp', 'aws');

/** A mirror folder holding `entries` (folders, or files when they have a dot-suffix) under the aws path. */
function mirrorWith(entries: readonly string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'mirror-'));
  mkdirSync(join(root, AWS), { recursive: true });
  for (const entry of entries) {
    if (/\.(zip|json)$/.test(entry)) writeFileSync(join(root, AWS, entry), '');
    else mkdirSync(join(root, AWS, entry, 'linux_amd64'), { recursive: true });
  }
  return root;
}

describe('the aws provider mirror', () => {
  test('ENTRA_API_GUARD_PROVIDER_MIRROR names it; a folder without the aws provider is no mirror', () => {
    const mirror = mirrorWith(['5.100.0']);
    expect(findProviderMirror({ ENTRA_API_GUARD_PROVIDER_MIRROR: mirror })).toBe(mirror);
    expect(findProviderMirror({ ENTRA_API_GUARD_PROVIDER_MIRROR: mkdtempSync(join(tmpdir(), 'no-mirror-')) })).toBeUndefined();
  });

  test('without the variable it is searched for under the given roots', () => {
    const root = mkdtempSync(join(tmpdir(), 'roots-'));
    const nested = join(root, 'tools', 'terraform');
    mkdirSync(join(nested, AWS, '5.100.0'), { recursive: true });
    expect(findProviderMirror({}, [root])).toBe(nested);
  });

  test.each([
    ['unpacked (a folder per version)', ['5.9.0', '5.100.0', '5.31.0'], '5.100.0'],
    // Regression: the zip's file name came back as the version (fails on the old code).
    ['packed, as `terraform providers mirror` writes it', ['index.json', '5.100.0.json', 'terraform-provider-aws_5.100.0_linux_amd64.zip'], '5.100.0'],
    [
      'packed, two versions and platforms',
      [
        'index.json',
        '5.99.1.json',
        '5.100.0.json',
        'terraform-provider-aws_5.99.1_linux_amd64.zip',
        'terraform-provider-aws_5.100.0_darwin_arm64.zip',
        'terraform-provider-aws_5.100.0_linux_amd64.zip',
      ],
      '5.100.0',
    ],
  ])('reads the newest version of an %s mirror', (_layout, entries, version) => {
    expect(mirrorAwsVersion(mirrorWith(entries))).toBe(version);
  });
});

describe("the tests' provider where the registry can be reached (issue [6] item 8)", () => {
  /**
   * A `terraform` that records how it was called and, like `terraform init` with TF_PLUGIN_CACHE_DIR,
   * leaves the provider unpacked in the plugin cache. (The registry itself cannot be reached here.)
   */
  function fakeTerraform(): { path: string; calls: string } {
    const bin = mkdtempSync(join(tmpdir(), 'fake-terraform-'));
    const calls = join(bin, 'calls');
    writeFileSync(
      join(bin, 'terraform'),
      [
        '#!/bin/sh',
        `{ echo "$*"; cat "$TF_CLI_CONFIG_FILE"; cat main.tf.json; echo; } >> ${JSON.stringify(calls)}`,
        `mkdir -p "$TF_PLUGIN_CACHE_DIR/${AWS}/5.100.0/linux_amd64"`,
        `touch "$TF_PLUGIN_CACHE_DIR/${AWS}/5.100.0/linux_amd64/terraform-provider-aws_v5.100.0_x5"`,
      ].join('\n'),
    );
    chmodSync(join(bin, 'terraform'), 0o755);
    return { path: bin, calls };
  }
  const cacheIn = () => join(mkdtempSync(join(tmpdir(), 'provider-cache-test-')), 'cache');
  /** No machine-wide mirror (this machine has one under /opt): only the variable and HOME count. */
  const roots: string[] = [];

  test('without a mirror and with ENTRA_API_GUARD_ALLOW_PROVIDER_DOWNLOAD=1: one terraform init fills a cache, which becomes the mirror', () => {
    const terraform = fakeTerraform();
    const cache = cacheIn();
    const env: NodeJS.ProcessEnv = {
      PATH: `${terraform.path}:${process.env.PATH}`,
      HOME: mkdtempSync(join(tmpdir(), 'home-')),
      ENTRA_API_GUARD_ALLOW_PROVIDER_DOWNLOAD: '1',
    };
    expect(prepareProviderMirror(env, { cache, roots })).toBe(`aws provider 5.100.0 fetched once into ${cache}, used as the mirror`);
    expect(env.ENTRA_API_GUARD_PROVIDER_MIRROR).toBe(cache);
    expect(findProviderMirror(env, roots)).toBe(cache);
    expect(mirrorAwsVersion(cache)).toBe('5.100.0');
    // Straight from the registry (no filesystem mirror in the CLI config), the pinned version only.
    const calls = readFileSync(terraform.calls, 'utf8');
    expect(calls).toMatch(/^init -input=false -no-color -backend=false$/m);
    expect(calls).toContain('direct {}');
    expect(calls).not.toContain('filesystem_mirror');
    expect(calls).toContain('"version":"5.100.0"');

    // The next run finds the cache and fetches nothing.
    const again: NodeJS.ProcessEnv = { ...env, ENTRA_API_GUARD_PROVIDER_MIRROR: undefined };
    expect(prepareProviderMirror(again, { cache, roots })).toContain('fetched once');
    expect(readFileSync(terraform.calls, 'utf8')).toBe(calls);
  });

  test('offline (no variable), or with a mirror, or a mirror named that does not exist: nothing is fetched', () => {
    const terraform = fakeTerraform();
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    const path = `${terraform.path}:${process.env.PATH}`;
    const offline: NodeJS.ProcessEnv = { PATH: path, HOME: home };
    expect(prepareProviderMirror(offline, { cache: cacheIn(), roots })).toMatch(
      /^no aws provider mirror \(terraform tests skip; ENTRA_API_GUARD_ALLOW_PROVIDER_DOWNLOAD=1 fetches it once/,
    );
    const mirror = mirrorWith(['5.100.0']);
    expect(
      prepareProviderMirror(
        { PATH: path, HOME: home, ENTRA_API_GUARD_PROVIDER_MIRROR: mirror, ENTRA_API_GUARD_ALLOW_PROVIDER_DOWNLOAD: '1' },
        { cache: cacheIn(), roots },
      ),
    ).toBe(`aws provider mirror: ${mirror}`);
    expect(
      prepareProviderMirror(
        { PATH: path, HOME: home, ENTRA_API_GUARD_PROVIDER_MIRROR: join(home, 'nowhere'), ENTRA_API_GUARD_ALLOW_PROVIDER_DOWNLOAD: '1' },
        { cache: cacheIn(), roots },
      ),
    ).toMatch(/names no mirror/);
    expect(existsSync(terraform.calls)).toBe(false);
    expect(offline.ENTRA_API_GUARD_PROVIDER_MIRROR).toBeUndefined();
  });
});
