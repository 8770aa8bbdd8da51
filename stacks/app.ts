import { App } from 'cdktf';
import type { GuardConfig } from './config';
import { GatewayStack } from './gateway-stack';
import { IdentityStack } from './identity-stack';

/** Declares both stacks on an app. The gateway gets the API client id through a variable, not a cross-stack reference. */
export function buildApp(app: App, config: GuardConfig): { identity: IdentityStack; gateway: GatewayStack } {
  const identity = new IdentityStack(app, 'identity', config, app.outdir);
  const gateway = new GatewayStack(app, 'gateway', config, app.outdir);
  // Deploy order: the gateway needs the identity's api_client_id output.
  gateway.addDependency(identity);
  return { identity, gateway };
}
