import { findProviderMirror } from '../../src/deploy/provider-mirror';
import { terraformEngineGaps } from '../../src/local/rehearsal/engine';

export interface OfflineTerraform {
  readonly mirror: string;
}

/**
 * What the real-terraform tests need: terraform, moto_server and the offline aws provider mirror
 * (the rehearsal's own check). Returns a reason when something is missing, so the test can skip
 * with one loud line.
 */
export function offlineTerraform(): OfflineTerraform | { skip: string } {
  const gaps = terraformEngineGaps(process.env);
  if (gaps.length > 0) return { skip: gaps.join('; ') };
  return { mirror: findProviderMirror(process.env)! };
}
