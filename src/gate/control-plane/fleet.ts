import type { Api } from '@aws-sdk/client-apigatewayv2';
import { errorMessage } from '../../errors';
import { ControlPlane, type ControlPlaneOptions } from './control-plane';
import { listApis, readDeployedApi } from './read-api';
import type { DeployedApi } from './types';

export interface ReadOneApiOptions extends ControlPlaneOptions {
  readonly apiId: string;
  readonly stage?: string;
  readonly integrations?: boolean;
}

/** Reads one API with a control plane of its own (the edge for `verify --api-id` and the action). */
export async function readApiFromControlPlane(options: ReadOneApiOptions): Promise<DeployedApi> {
  const plane = new ControlPlane(options);
  try {
    return await readDeployedApi(plane, {
      apiId: options.apiId,
      ...(options.stage !== undefined ? { stage: options.stage } : {}),
      ...(options.integrations ? { integrations: true } : {}),
    });
  } finally {
    plane.close();
  }
}

/** One API of a fleet read: the snapshot, or why it could not be read. */
export type FleetEntry =
  { readonly apiId: string; readonly name?: string; readonly api: DeployedApi } | { readonly apiId: string; readonly name?: string; readonly error: string };

export interface ReadFleetOptions {
  /** These APIs; @default every HTTP API in the region (GetApis, paged) */
  readonly apiIds?: readonly string[];
  readonly stage?: string;
  /** Called as each API is read, so a caller can audit while the rest are still being read. */
  readonly onApi?: (entry: FleetEntry) => void;
}

/**
 * Reads many APIs through one control plane: the concurrency bound and the adaptive back-off are
 * shared by every call, so a fleet of hundreds slows down together instead of hammering AWS. An API
 * that cannot be read is listed with its error; the others go on. Listing the region reuses the GetApis
 * answer instead of a GetApi per API.
 */
export async function readFleet(plane: ControlPlane, options: ReadFleetOptions = {}): Promise<FleetEntry[]> {
  const listed: { apiId: string; listed?: Api }[] =
    options.apiIds !== undefined && options.apiIds.length > 0
      ? options.apiIds.map((apiId) => ({ apiId }))
      : (await listApis(plane)).filter((api) => api.ProtocolType === 'HTTP' && api.ApiId !== undefined).map((api) => ({ apiId: api.ApiId!, listed: api }));
  return Promise.all(
    listed.map(async ({ apiId, listed: item }): Promise<FleetEntry> => {
      let entry: FleetEntry;
      try {
        const api = await readDeployedApi(plane, {
          apiId,
          ...(item ? { listed: item } : {}),
          ...(options.stage !== undefined ? { stage: options.stage } : {}),
        });
        entry = { apiId, ...(api.name ? { name: api.name } : {}), api };
      } catch (error) {
        if (plane.aborted) throw error;
        entry = { apiId, ...(item?.Name ? { name: item.Name } : {}), error: errorMessage(error) };
      }
      options.onApi?.(entry);
      return entry;
    }),
  );
}
