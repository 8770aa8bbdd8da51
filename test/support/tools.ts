import { spawnSync } from 'node:child_process';
import { findProviderMirror } from '../../src/deploy/provider-mirror';
import { motoAvailable } from '../../src/local/moto';

export interface OfflineTerraform {
  readonly mirror: string;
}

/**
 * What the real-terraform tests need: terraform, moto_server and the offline aws provider mirror.
 * Returns a reason when something is missing, so the test can skip with one loud line.
 */
export function offlineTerraform(): OfflineTerraform | { skip: string } {
  if (spawnSync('terraform', ['version'], { stdio: 'ignore' }).status !== 0) return { skip: 'terraform is not on PATH' };
  if (!motoAvailable()) return { skip: 'moto_server is not on PATH (pip install "moto[server]")' };
  const mirror = findProviderMirror(process.env);
  if (!mirror) return { skip: 'no offline provider mirror with registry.terraform.io/hashicorp/aws (set ENTRA_API_GUARD_PROVIDER_MIRROR)' };
  return { mirror };
}
