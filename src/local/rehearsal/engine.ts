import { DEFAULT_MIRROR_ROOTS, findProviderMirror } from '../../deploy/provider-mirror';
import { GuardError } from '../../errors';
import { MOTO_INSTALL, motoAvailable } from '../moto';
import { findOnPath } from '../on-path';

export type Engine = 'terraform' | 'emulate';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * What the terraform engine needs and is not here: terraform and moto_server on PATH, and an offline
 * aws provider mirror. Each entry says what to install or set. Empty when everything is here. Only
 * looks (PATH and a few folders), starts nothing, so it runs before anything else.
 */
export function terraformEngineGaps(env: Env): string[] {
  const gaps: string[] = [];
  if (!findOnPath('terraform', env)) gaps.push('terraform is not on PATH (install terraform 1.10 or later: https://developer.hashicorp.com/terraform/install)');
  if (!motoAvailable(env)) gaps.push(`moto_server is not on PATH (${MOTO_INSTALL})`);
  if (!findProviderMirror(env)) {
    const named = env['ENTRA_API_GUARD_PROVIDER_MIRROR'];
    gaps.push(
      named
        ? `ENTRA_API_GUARD_PROVIDER_MIRROR: got "${named}", which holds no registry.terraform.io/hashicorp/aws; expected a folder filled by "terraform providers mirror <folder>"`
        : `no offline aws provider mirror (searched ~/.terraform.d and ${DEFAULT_MIRROR_ROOTS.join(', ')}); set ENTRA_API_GUARD_PROVIDER_MIRROR to a folder filled by "terraform providers mirror <folder>"`,
    );
  }
  return gaps;
}

/**
 * Throws one line naming everything the terraform engine lacks. A configuration problem of the
 * chosen engine (the CLI exits 2), found before any emulator, process or temp folder exists.
 */
export function assertTerraformEngine(env: Env): void {
  const gaps = terraformEngineGaps(env);
  if (gaps.length > 0) throw new GuardError('ERR_ENGINE_UNAVAILABLE', `--engine terraform: ${gaps.join('; ')}; or use --engine emulate`);
}

/** Chooses the gateway engine: real terraform against moto where everything for it is here. */
export function detectEngine(env: Env): { engine: Engine; reason: string } {
  const gaps = terraformEngineGaps(env);
  if (gaps.length > 0) return { engine: 'emulate', reason: gaps.map((gap) => gap.replace(/ \(.*$/, '')).join('; ') };
  return { engine: 'terraform', reason: 'terraform + moto_server + provider mirror found' };
}
