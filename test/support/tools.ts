import { findProviderMirror, mirrorAwsVersion } from '../../src/deploy/provider-mirror';
import { terraformEngineGaps } from '../../src/local/rehearsal/engine';
import { ALLOW_PROVIDER_DOWNLOAD, TEST_AWS_PROVIDER } from './prepare';

export interface OfflineTerraform {
  readonly mirror: string;
  /** The aws provider version to pin (the mirror's; the prebuilt bindings ask for 6.x). */
  readonly awsVersion: string;
}

/**
 * What the real-terraform tests need: terraform, moto_server and the aws provider mirror (the
 * rehearsal's own check). Where the registry can be reached, jest's globalSetup fetches the provider
 * once and names it as the mirror (test/support/prepare.ts). Returns a reason when something is
 * missing, so the test can skip with one loud line.
 */
export function offlineTerraform(): OfflineTerraform | { skip: string } {
  const gaps = terraformEngineGaps(process.env);
  if (gaps.length > 0)
    return {
      skip: `${gaps.join('; ')}${process.env[ALLOW_PROVIDER_DOWNLOAD] === '1' ? '' : ` (where the registry can be reached, ${ALLOW_PROVIDER_DOWNLOAD}=1 fetches the provider once)`}`,
    };
  const mirror = findProviderMirror(process.env)!;
  return { mirror, awsVersion: mirrorAwsVersion(mirror) ?? TEST_AWS_PROVIDER };
}
