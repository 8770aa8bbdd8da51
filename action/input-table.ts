import { InvalidInputError } from '../src/errors';
import type { GateSettingNames } from '../src/gate/names';

/**
 * Every input's action.yml default (a test holds the two together), the one input table of both
 * actions. A runner exports each default as INPUT_*, so an input equal to its default was not set by
 * the user: it must never override the config file or count as "given" (app: auto with the default
 * cloud is not "app and config inputs").
 */
export const INPUT_DEFAULTS = {
  command: 'deploy-and-verify',
  'working-directory': '.',
  app: '',
  config: '',
  'tenant-id': '',
  'api-name': '',
  'token-version': '',
  'api-client-id': '',
  routes: '',
  backend: '',
  subjects: '',
  'subject-mode': 'auto',
  stacks: '',
  'terraform-binary': 'terraform',
  'lock-timeout': '5m',
  'allow-local-backend': 'false',
  'api-url': '',
  'api-id': '',
  stage: '',
  'allow-insecure-http': 'false',
  paths: 'auto',
  method: 'GET',
  'public-routes': '',
  'allow-authorizers': '',
  'caller-client-id': '',
  scope: '',
  'other-audience-scope': '',
  token: '',
  cloud: 'public',
  'authority-host': '',
  'oidc-audience': '',
  'expect-unauthenticated': '401',
  'expect-authenticated': '200',
  'negative-probes': 'true',
  'timeout-seconds': '300',
  // Old names, declared without a default: set only when a user wrote them.
  subject: '',
  terraform: '',
  'client-id': '',
  audience: '',
} as const satisfies Record<string, string>;
export type InputName = keyof typeof INPUT_DEFAULTS;

/** Old input names that still work (with a warning naming the new one), and their new names. */
export const RENAMED_INPUTS = {
  subject: 'subject-mode',
  terraform: 'terraform-binary',
  'client-id': 'caller-client-id',
  audience: 'oidc-audience',
} as const satisfies Partial<Record<InputName, InputName>>;
type OldName = keyof typeof RENAMED_INPUTS;
export type NewName = (typeof RENAMED_INPUTS)[OldName];

/**
 * The inputs of the verify sub-action (verify/action.yml): the gate only, same names and defaults as
 * here. The sub-action runs this bundle too; its own input `sub-action` (default `verify`) says so, and
 * every input it does not declare is absent, so the defaults of this table apply.
 */
export const VERIFY_INPUTS = [
  'api-url',
  'api-id',
  'stage',
  'paths',
  'public-routes',
  'allow-authorizers',
  'tenant-id',
  'caller-client-id',
  'scope',
  'token',
  'cloud',
  'authority-host',
  'oidc-audience',
  'timeout-seconds',
] as const satisfies readonly InputName[];
/** Declared by verify/action.yml only, with the default `verify`: the bundle then runs as the gate-only sub-action. */
export const SUB_ACTION_INPUT = 'sub-action';
/** Where the verify sub-action's users find a setting it does not have. */
const MAIN_ACTION_ONLY = '(an input of the main action, with command: verify)';

/** The gate's settings as the main action's inputs: fix texts name what the workflow can change. */
export const ACTION_SETTING_NAMES: GateSettingNames = {
  apiUrl: 'api-url',
  path: 'paths',
  method: 'method',
  timeout: 'timeout-seconds',
  expectUnauthenticated: 'expect-unauthenticated',
  expectAuthenticated: 'expect-authenticated',
  allowInsecureHttp: 'allow-insecure-http',
  apiId: 'api-id',
  stage: 'stage',
};

/** The same for the verify sub-action: a setting it lacks is named with where to find it. */
export const VERIFY_SETTING_NAMES: GateSettingNames = {
  ...ACTION_SETTING_NAMES,
  method: `method ${MAIN_ACTION_ONLY}`,
  expectUnauthenticated: `expect-unauthenticated ${MAIN_ACTION_ONLY}`,
  expectAuthenticated: `expect-authenticated ${MAIN_ACTION_ONLY}`,
  allowInsecureHttp: `allow-insecure-http ${MAIN_ACTION_ONLY}`,
};

/**
 * Whether this run is the verify sub-action (its own input `sub-action` is `verify`). An input the
 * sub-action does not declare reaches the bundle only when a workflow wrote it under `with:` (the
 * runner passes it on with an "Unexpected input" warning): refused, so it is never silently ignored.
 */
export function readSubAction(get: (name: string) => string, isSet: (name: InputName) => boolean): boolean {
  const value = get(SUB_ACTION_INPUT).trim();
  if (value === '') return false;
  if (value !== 'verify') throw new InvalidInputError(SUB_ACTION_INPUT, value, 'verify, as verify/action.yml sets it (leave the input out)');
  const declared: readonly string[] = VERIFY_INPUTS;
  for (const name of Object.keys(INPUT_DEFAULTS) as InputName[]) {
    if (declared.includes(name) || !isSet(name)) continue;
    const renamed = (RENAMED_INPUTS as Partial<Record<InputName, InputName>>)[name];
    if (renamed !== undefined && declared.includes(renamed))
      throw new InvalidInputError(name, get(name).trim(), `${renamed} instead (${name} is its old name, which only the main action still takes)`);
    throw new InvalidInputError(
      name,
      get(name).trim(),
      `nothing: the verify sub-action has no ${name} input (use the main action with command: verify for it)`,
    );
  }
  return true;
}

/**
 * For each renamed input, the name the workflow used: the new one, or the old one (with a warning
 * naming the new one). Both at once is an error. A new name at its default counts as not given, as
 * the runner exports every default; an old name has no default, so it is given only when written.
 */
export function namesInUse(get: (name: string) => string, isSet: (name: InputName) => boolean, warn: (line: string) => void): Record<NewName, InputName> {
  const names = {} as Record<NewName, InputName>;
  for (const [oldName, newName] of Object.entries(RENAMED_INPUTS) as [OldName, NewName][]) {
    names[newName] = newName;
    if (get(oldName).trim() === '') continue;
    if (isSet(newName)) throw new InvalidInputError(oldName, get(oldName).trim(), `either ${newName} or its old name ${oldName}, not both: keep ${newName}`);
    warn(`${oldName} is deprecated: use ${newName} (same values)`);
    names[newName] = oldName;
  }
  return names;
}
