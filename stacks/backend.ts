import { isAbsolute, join, relative, resolve } from 'node:path';
import { AzurermBackend, LocalBackend, S3Backend, type TerraformStack } from 'cdktf';
import type { GuardConfig } from './config';

/**
 * Where a stack keeps its state. The local backend is for laptops and the rehearsal; CI must use
 * s3 (with a lock file) or azurerm, since a runner's disk is gone after the job (the deploy step refuses
 * local state in CI unless allowed).
 */
export function configureBackend(stack: TerraformStack, stackName: string, config: GuardConfig, outdir: string): void {
  const backend = config.backend;
  const key = (prefix: string) => `${prefix}/${config.apiName}/${stackName}.tfstate`;
  switch (backend.type) {
    case 'local': {
      // A relative dir is kept relative to the stack's own folder, so the synthesized JSON does not
      // depend on this machine; an absolute dir (the rehearsal's temp folder) stays absolute, never
      // re-rooted under the project, where it would leave state in the checkout.
      const file = resolve(config.root, backend.dir, `${stackName}.tfstate`);
      new LocalBackend(stack, { path: isAbsolute(backend.dir) ? file : relative(join(outdir, 'stacks', stackName), file) });
      return;
    }
    case 's3':
      new S3Backend(stack, {
        bucket: backend.bucket,
        key: key(backend.keyPrefix),
        region: backend.region ?? config.aws.region,
        encrypt: true,
        ...(backend.endpoint
          ? {
              endpoints: { s3: backend.endpoint },
              usePathStyle: true,
              skipCredentialsValidation: true,
              skipRequestingAccountId: true,
              skipMetadataApiCheck: true,
              skipRegionValidation: true,
            }
          : {}),
      });
      // S3-native locking (Terraform ≥ 1.10); cdktf 0.21 has no prop for it.
      stack.addOverride('terraform.backend.s3.use_lockfile', true);
      return;
    case 'azurerm':
      new AzurermBackend(stack, {
        storageAccountName: backend.storageAccountName,
        containerName: backend.containerName,
        key: key(backend.keyPrefix),
        ...(backend.resourceGroupName ? { resourceGroupName: backend.resourceGroupName } : {}),
        useAzureadAuth: true,
      });
      return;
  }
}
