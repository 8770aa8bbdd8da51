import { InvalidInputError } from '../src/errors';
import { CLOUD_NAMES, type CloudName } from '../src/contract/clouds';
import type { GateSettingNames } from '../src/gate/names';
import { ACTION_SETTING_NAMES, INPUT_DEFAULTS, VERIFY_SETTING_NAMES, namesInUse, readSubAction, type InputName, type NewName } from './input-table';
import { API_NAME_FORM, API_NAME_PATTERN } from '../src/contract/values';
import { parseRouteKey } from '../src/contract/routes';
import {
  parseApiUrl,
  parseBearerToken,
  parseBoolean,
  parseChoice,
  parseDuration,
  parseExpectAuthenticated,
  parseExpectUnauthenticated,
  parseGuid,
  parseInteger,
  parseJson,
  parseList,
  parsePaths,
  parseProbeMethod,
  parseText,
  parseUrl,
} from '../src/contract/input-values';

export const COMMANDS = ['deploy-and-verify', 'deploy', 'verify', 'plan', 'destroy'] as const;
export type Command = (typeof COMMANDS)[number];
export const STACK_NAMES = ['identity', 'gateway'] as const;

/** Every input of action.yml, parsed and checked; nothing here has touched the network. */
export interface ActionInputs {
  /** Run as the verify sub-action (verify/action.yml): gate only, its inputs only. */
  readonly verifyOnly: boolean;
  /** How this surface names the gate's settings in fix texts. */
  readonly settingNames: GateSettingNames;
  /** The name the user wrote for each renamed input (the old one still works): errors name what they wrote. */
  readonly inputNames: Readonly<Record<NewName, InputName>>;
  readonly command: Command;
  readonly workingDirectory: string;
  readonly app?: string;
  readonly configFile?: string;
  /** Config inputs of our stacks, as loadConfig overrides. */
  readonly configOverrides: Record<string, unknown>;
  /** Subjects given explicitly (full `repo:…` or short `branch:main`); empty means `subject-mode` decides. */
  readonly subjects: readonly string[];
  readonly subjectMode: 'auto' | 'config';
  readonly stacks?: readonly string[];
  readonly terraformBinary: 'terraform' | 'tofu';
  readonly lockTimeout: string;
  readonly allowLocalBackend: boolean;
  readonly apiUrl?: string;
  /** Plain http to a host that is not loopback, allowed with allow-insecure-http. */
  readonly allowInsecureHttp: boolean;
  /** The API whose routes, authorizers and stage are read from the control plane (else the deploy's api_id). */
  readonly apiId?: string;
  /** The stage to probe. @default $default, else the API's only stage */
  readonly stage?: string;
  /** Paths to probe besides the derived routes; absent at `auto` (the default): the routes alone. */
  readonly paths?: readonly string[];
  /** Method of the `paths` probes; derived routes bring their own. */
  readonly method?: string;
  /** Route keys that answer anyone on purpose. */
  readonly publicRoutes: readonly string[];
  /** Authorizers (name or id; AWS_IAM) declared on purpose. */
  readonly allowAuthorizers: readonly string[];
  /** The caller app's client id (caller-client-id), for the token exchange. */
  readonly clientId?: string;
  readonly tenantId?: string;
  readonly scope?: string;
  /** Scope of a genuine token for another audience (the wrong-audience probe). */
  readonly otherAudienceScope?: string;
  readonly token?: string;
  /** Only when set to something other than the default: the config (or public) decides otherwise. */
  readonly cloud?: CloudName;
  readonly authorityHost?: string;
  /** Audience of the GitHub OIDC token (oidc-audience). */
  readonly oidcAudience?: string;
  readonly expectUnauthenticated: readonly number[];
  readonly expectAuthenticated: readonly number[];
  readonly negativeProbes: boolean;
  readonly timeoutSeconds: number;
}

export type GetInput = (name: string) => string;

/**
 * Reads and checks every input once, then rejects combinations that cannot work, before any network
 * call. `warn` gets one line per old input name in use.
 */
export function readInputs(get: GetInput, warn: (line: string) => void = () => {}): ActionInputs {
  /** Set by the user: not empty, and not just the default the runner exports. */
  const isSet = (name: InputName): boolean => get(name).trim() !== '' && get(name).trim() !== INPUT_DEFAULTS[name];
  const verifyOnly = readSubAction(get, isSet);
  const inputNames = namesInUse(get, isSet, warn);
  /** The value under the name in use, or the default when empty (a runner that did not export defaults, a local run, an input the sub-action does not declare). */
  const input = (name: InputName): string => get(nameInUse(name)).trim() || INPUT_DEFAULTS[name];
  const nameInUse = (name: InputName): InputName => (name in inputNames ? inputNames[name as NewName] : name);
  const settingNames = verifyOnly ? VERIFY_SETTING_NAMES : ACTION_SETTING_NAMES;
  const command = verifyOnly ? 'verify' : parseChoice('command', input('command'), COMMANDS, 'deploy-and-verify');
  const tenantId = parseGuid('tenant-id', input('tenant-id'), 'the directory (tenant) id');
  const tokenVersionText = input('token-version');
  const tokenVersion = tokenVersionText === '' ? undefined : parseChoice('token-version', tokenVersionText, ['1', '2'], '2');
  const apiName = parseText('api-name', input('api-name'), API_NAME_PATTERN, API_NAME_FORM);
  const routes = parseJson('routes', input('routes'), 'array', '[{"routeKey":"GET /hello"}]');
  const backend = parseJson('backend', input('backend'), 'object', '{"type":"s3","bucket":"my-state"}');
  const apiClientId = parseGuid('api-client-id', input('api-client-id'), "the API app's client id");
  const cloud = parseChoice('cloud', input('cloud'), CLOUD_NAMES, 'public');
  const authorityHost = parseUrl('authority-host', input('authority-host'), 'https://login.microsoftonline.us');
  if (cloud === 'local' && authorityHost === undefined) throw new InvalidInputError('authority-host', '', 'the Entra emulator URL when cloud is local');
  const stacksList = parseList(input('stacks'));
  for (const s of stacksList)
    if (!(STACK_NAMES as readonly string[]).includes(s))
      throw new InvalidInputError('stacks', input('stacks'), `stack names from ${STACK_NAMES.join(', ')}, comma-separated`);

  const configOverrides: Record<string, unknown> = {
    ...(tenantId !== undefined ? { tenantId } : {}),
    ...(tokenVersion !== undefined ? { tokenVersion: Number(tokenVersion) } : {}),
    ...(apiName !== undefined ? { apiName } : {}),
    ...(routes !== undefined ? { routes } : {}),
    ...(backend !== undefined ? { backend } : {}),
    ...(apiClientId !== undefined ? { apiClientId } : {}),
    ...(isSet('cloud') ? { cloud } : {}),
    ...(authorityHost !== undefined ? { authorityHost } : {}),
  };
  const token = parseBearerToken('token', input('token'));
  const scope = parseText('scope', input('scope'), /^\S+\/\.default$/, 'an App ID URI followed by /.default, e.g. api://orders-api/.default');
  const otherAudienceScope = parseText(
    'other-audience-scope',
    input('other-audience-scope'),
    /^\S+\/\.default$/,
    'a resource followed by /.default, e.g. https://graph.microsoft.com/.default',
  );
  const clientId = parseGuid(nameInUse('caller-client-id'), input('caller-client-id'), "the caller app's client id");
  const app = input('app') === '' ? undefined : input('app');
  const configFile = input('config') === '' ? undefined : input('config');
  const allowInsecureHttp = parseBoolean('allow-insecure-http', input('allow-insecure-http'), false);
  const apiUrl =
    input('api-url') === '' ? undefined : parseApiUrl('api-url', input('api-url'), { allowInsecureHttp, insecureSwitch: settingNames.allowInsecureHttp }).url;

  const parsed: ActionInputs = {
    verifyOnly,
    settingNames,
    inputNames,
    command,
    workingDirectory: input('working-directory'),
    ...(app !== undefined ? { app } : {}),
    ...(configFile !== undefined ? { configFile } : {}),
    configOverrides,
    subjects: parseList(input('subjects')),
    subjectMode: parseChoice(nameInUse('subject-mode'), input('subject-mode'), ['auto', 'config'] as const, 'auto'),
    ...(stacksList.length > 0 ? { stacks: stacksList } : {}),
    terraformBinary: parseChoice(nameInUse('terraform-binary'), input('terraform-binary'), ['terraform', 'tofu'] as const, 'terraform'),
    lockTimeout: parseDuration('lock-timeout', input('lock-timeout'), '5m'),
    allowLocalBackend: parseBoolean('allow-local-backend', input('allow-local-backend'), false),
    ...optional('apiUrl', apiUrl),
    allowInsecureHttp,
    ...optional('apiId', parseText('api-id', input('api-id'), /^[A-Za-z0-9]{1,64}$/, 'an API Gateway API id, letters and digits such as a1b2c3d4e5')),
    ...optional('stage', parseText('stage', input('stage'), /^(\$default|[A-Za-z0-9_-]{1,128})$/, 'a stage name such as $default or prod')),
    ...optional('paths', extraPaths(input('paths'))),
    publicRoutes: parseList(input('public-routes')).map((key) => (key === '$default' ? key : (parseRouteKey(key, 'public-routes'), key))),
    allowAuthorizers: parseList(input('allow-authorizers')),
    ...(isSet('method') ? { method: parseProbeMethod('method', input('method')) } : {}),
    ...optional('clientId', clientId),
    ...optional('tenantId', tenantId),
    ...optional('scope', scope),
    ...optional('otherAudienceScope', otherAudienceScope),
    ...optional('token', token),
    ...(isSet('cloud') ? { cloud } : {}),
    ...optional('authorityHost', authorityHost),
    ...optional(
      'oidcAudience',
      parseText(nameInUse('oidc-audience'), input('oidc-audience'), /^\S+$/, 'one audience without spaces, e.g. api://AzureADTokenExchange'),
    ),
    expectUnauthenticated: parseExpectUnauthenticated('expect-unauthenticated', input('expect-unauthenticated')),
    expectAuthenticated: parseExpectAuthenticated('expect-authenticated', input('expect-authenticated')),
    negativeProbes: parseBoolean('negative-probes', input('negative-probes'), true),
    timeoutSeconds: parseInteger('timeout-seconds', input('timeout-seconds'), { min: 1, max: 3600, fallback: 300, unit: 'seconds' }),
  };
  checkCombinations(parsed);
  return parsed;
}

/** Conflicts and missing companions, found before any network call. */
function checkCombinations(i: ActionInputs): void {
  const verifies = i.command === 'verify' || i.command === 'deploy-and-verify';
  const deploys = i.command !== 'verify';
  if (i.app !== undefined && (i.configFile !== undefined || Object.keys(i.configOverrides).length > 0)) {
    throw new InvalidInputError('app', i.app, 'either app (your own cdktf app) or the config inputs of our stacks (config, tenant-id, api-name, …), not both');
  }
  if (i.app !== undefined && i.command === 'verify') throw new InvalidInputError('app', i.app, 'nothing with command verify (app is what gets deployed)');
  if (!deploys) {
    const deployOnly = ['routes', 'backend', 'api-name', 'subjects', 'stacks'] as const;
    const given = {
      routes: i.configOverrides['routes'],
      backend: i.configOverrides['backend'],
      'api-name': i.configOverrides['apiName'],
      subjects: i.subjects.length > 0 ? i.subjects : undefined,
      stacks: i.stacks,
    };
    for (const name of deployOnly) {
      if (given[name] !== undefined)
        throw new InvalidInputError(name, JSON.stringify(given[name]), `nothing with command verify (${name} only applies when deploying)`);
    }
  }
  if (i.command === 'verify' && i.apiUrl === undefined && i.apiId === undefined) {
    throw new InvalidInputError(
      'api-url',
      '',
      `the API URL to gate (or api-id to read it and the routes from AWS)${i.verifyOnly ? '' : ' when command is verify'}`,
    );
  }
  if (!verifies && i.token !== undefined)
    throw new InvalidInputError('token', '(hidden)', `nothing with command ${i.command} (the token is only used to verify)`);
  const clientIdName = i.inputNames['caller-client-id'];
  if (i.token !== undefined && (i.clientId !== undefined || i.scope !== undefined)) {
    throw new InvalidInputError('token', '(hidden)', `either token or ${clientIdName}/scope (the token exchange), not both`);
  }
  if (i.command === 'verify' && i.token === undefined) {
    if (i.clientId === undefined) throw new InvalidInputError(clientIdName, '', "the caller app's client id for the token exchange (or give token)");
    if (i.tenantId === undefined) throw new InvalidInputError('tenant-id', '', 'the directory (tenant) id for the token exchange (or give token)');
    if (i.scope === undefined) throw new InvalidInputError('scope', '', 'the scope to request, e.g. api://orders-api/.default (or give token)');
  }
  if (i.command === 'deploy-and-verify' && i.token === undefined && i.clientId === undefined && i.stacks !== undefined && !i.stacks.includes('identity')) {
    throw new InvalidInputError(clientIdName, '', "the caller app's client id when the identity stack is not deployed (or give token)");
  }
}

/** `auto` (the default) derives the probes from the deployed routes; listed paths are probed besides them. */
function extraPaths(raw: string): readonly string[] | undefined {
  const listed = parseList(raw).filter((path) => path !== 'auto');
  return listed.length === 0 ? undefined : parsePaths('paths', listed.join(','));
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
