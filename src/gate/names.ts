/**
 * How the caller's surface spells the gate's settings. Fix texts and refusals name what the user can
 * change: CLI flags on the command line, input names in the action.
 */
export interface GateSettingNames {
  readonly apiUrl: string;
  readonly path: string;
  readonly method: string;
  readonly timeout: string;
  readonly expectUnauthenticated: string;
  readonly expectAuthenticated: string;
  readonly allowInsecureHttp: string;
  /** The API id whose routes are read from the control plane, and its stage. */
  readonly apiId: string;
  readonly stage: string;
}

/** The `entra-api-guard verify` flags (also the default for library callers). */
export const CLI_SETTING_NAMES: GateSettingNames = {
  apiUrl: '--api-url',
  path: '--path',
  method: '--method',
  timeout: '--timeout-seconds',
  expectUnauthenticated: '--expect-unauthenticated',
  expectAuthenticated: '--expect-authenticated',
  allowInsecureHttp: '--allow-insecure-http',
  apiId: '--api-id',
  stage: '--stage',
};
