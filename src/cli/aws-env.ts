import type { ControlPlaneOptions } from '../gate/control-plane';
import type { CliEnv } from './io';

/**
 * Region, endpoint and static credentials for the control plane from this command's environment, the
 * way the AWS SDK's default chains read them (AWS_REGION, AWS_ENDPOINT_URL_APIGATEWAYV2,
 * AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN); whatever is not set
 * here is left to the SDK (profiles, SSO, web identity, instance roles). The flag wins over AWS_REGION.
 */
export function controlPlaneSettings(region: string | undefined, env: CliEnv): Pick<ControlPlaneOptions, 'region' | 'endpoint' | 'credentials'> {
  const resolvedRegion = region ?? (env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || undefined);
  const endpoint = env['AWS_ENDPOINT_URL_APIGATEWAYV2'] || env['AWS_ENDPOINT_URL'] || undefined;
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  const sessionToken = env['AWS_SESSION_TOKEN'];
  return {
    ...(resolvedRegion !== undefined ? { region: resolvedRegion } : {}),
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
  };
}
