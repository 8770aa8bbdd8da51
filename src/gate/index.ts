export * from './types';
export * from './errors';
export * from './attacks';
export * from './plan';
export * from './send-probe';
export * from './poll-probe';
export * from './verdict';
export * from './names';
export * from './request-slots';
export * from './verify';
export * from './report';
export * from './findings';
export * from './route-targets';
export * from './report-routes';
export * from './pipeline';
export * from './audit';
// The control plane (AWS SDK) is imported from './control-plane' where needed, so loading the gate stays cheap.
export type { DeployedApi, DeployedAuthorizer, DeployedRoute, DeployedStage, RouteAuthorization, Throttling } from './control-plane/types';
export { stageUrl } from './control-plane/types';
