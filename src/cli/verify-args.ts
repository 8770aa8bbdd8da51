import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isGuid, parseRouteKey, resolveCloud, type Cloud } from '../contract';
import { parseApiUrl, parseBearerToken, parseExpectAuthenticated, parseExpectUnauthenticated, parseInteger, parseProbeMethod } from '../contract/input-values';
import { InvalidInputError } from '../errors';

/** The token source as the command line describes it (secrets already read from env). */
export type CliTokenSource =
  | { readonly kind: 'none' }
  | { readonly kind: 'given'; readonly token: string; readonly from: '--token' | '--token-env' }
  | { readonly kind: 'command'; readonly command: string }
  | {
      readonly kind: 'entra';
      readonly tenantId: string;
      readonly clientId: string;
      readonly scope: string;
      readonly clientSecret?: string;
      readonly audience?: string;
    };

export interface VerifyArgs {
  readonly help: boolean;
  /** The data-plane URL; absent with --api-id (the stage's invoke URL is read instead). */
  readonly apiUrl?: string;
  /** Read the API's routes, authorizers and stage from the control plane. */
  readonly apiId?: string;
  readonly region?: string;
  readonly stage?: string;
  readonly publicRoutes: readonly string[];
  readonly allowAuthorizers: readonly string[];
  /** Plain http to a host that is not loopback, allowed with --allow-insecure-http: warn. */
  readonly cleartext: boolean;
  /** Paths to probe besides the derived routes (`/` when there is no --api-id and none is given). */
  readonly paths: readonly string[];
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly cloud: Cloud;
  readonly source: CliTokenSource;
  readonly otherAudienceScope?: string;
  readonly expectUnauthenticated: readonly number[];
  readonly expectAuthenticated: readonly number[];
  readonly timeoutSeconds: number;
  readonly negativeProbes: boolean;
  readonly json: boolean;
  /** Where to write the JSON report too. */
  readonly report?: string;
  /** Where to write the findings as SARIF 2.1.0 (code scanning). */
  readonly sarif?: string;
  readonly verbose: boolean;
}

const OPTIONS = {
  'api-url': { type: 'string' },
  'api-id': { type: 'string' },
  region: { type: 'string' },
  stage: { type: 'string' },
  'public-route': { type: 'string', multiple: true },
  'allow-authorizer': { type: 'string', multiple: true },
  'allow-insecure-http': { type: 'boolean' },
  path: { type: 'string', multiple: true },
  method: { type: 'string' },
  header: { type: 'string', multiple: true },
  body: { type: 'string' },
  token: { type: 'string' },
  'token-env': { type: 'string' },
  'token-command': { type: 'string' },
  'tenant-id': { type: 'string' },
  'client-id': { type: 'string' },
  scope: { type: 'string' },
  'client-secret-env': { type: 'string' },
  'authority-host': { type: 'string' },
  cloud: { type: 'string' },
  audience: { type: 'string' },
  'other-audience-scope': { type: 'string' },
  'expect-unauthenticated': { type: 'string' },
  'expect-authenticated': { type: 'string' },
  'timeout-seconds': { type: 'string' },
  'no-negative-probes': { type: 'boolean' },
  json: { type: 'boolean' },
  report: { type: 'string' },
  sarif: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Pure: reads `verify`'s arguments. Throws InvalidInputError (one line, named after the flag). */
export function parseVerifyArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): VerifyArgs {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (error) {
    throw fromParseError(error);
  }
  if (values.help) return { help: true } as VerifyArgs;
  if (positionals.length > 0) throw new InvalidInputError('arguments', positionals[0], 'options only (give paths with --path)');

  const controlPlane = parseControlPlaneFlags(values);
  if (controlPlane.apiId === undefined) {
    const [flag, value] =
      controlPlane.publicRoutes.length > 0
        ? ['--public-route', controlPlane.publicRoutes[0]]
        : controlPlane.allowAuthorizers.length > 0
          ? ['--allow-authorizer', controlPlane.allowAuthorizers[0]]
          : controlPlane.stage !== undefined
            ? ['--stage', controlPlane.stage]
            : controlPlane.region !== undefined
              ? ['--region', controlPlane.region]
              : [];
    if (flag !== undefined) throw new InvalidInputError(flag, value, 'only with --api-id (the routes, authorizers and stage are read from AWS)');
  }
  if (values['api-url'] === undefined && controlPlane.apiId === undefined) {
    throw new InvalidInputError(
      '--api-url',
      undefined,
      'the API base URL, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com (or --api-id to read it and the routes from AWS)',
    );
  }
  const parsedUrl =
    values['api-url'] === undefined
      ? undefined
      : parseApiUrl('--api-url', values['api-url'], { allowInsecureHttp: values['allow-insecure-http'] === true, insecureSwitch: '--allow-insecure-http' });
  const cleartext = parsedUrl?.cleartext ?? false;
  const paths = values.path ?? (controlPlane.apiId === undefined ? ['/'] : []);
  for (const path of paths) if (!path.startsWith('/') || /\s/.test(path)) throw new InvalidInputError('--path', path, 'a path starting with /, e.g. /orders');
  const method = parseProbeMethod('--method', values.method ?? 'GET');
  if (values.body !== undefined && (method === 'GET' || method === 'HEAD'))
    throw new InvalidInputError('--body', '(given)', `no body with ${method}; use --method POST (or PUT, PATCH)`);

  const cloud = withKey(() => resolveCloud(values.cloud ?? 'public', values['authority-host']), { cloud: '--cloud', authorityHost: '--authority-host' });
  const source = tokenSource(values, env);
  const otherAudienceScope = values['other-audience-scope'] ?? (source.kind === 'entra' ? cloud.graphScope : undefined);
  if (values['other-audience-scope'] !== undefined && source.kind !== 'entra') {
    throw new InvalidInputError(
      '--other-audience-scope',
      values['other-audience-scope'],
      'only with --tenant-id/--client-id/--scope (a source that can mint tokens)',
    );
  }
  const timeoutSeconds = parseInteger('--timeout-seconds', values['timeout-seconds'] ?? '', { min: 1, max: 3600, fallback: 60, unit: 'seconds' });
  return {
    help: false,
    ...(parsedUrl ? { apiUrl: parsedUrl.url } : {}),
    ...controlPlane,
    cleartext,
    paths,
    method,
    headers: parseHeaders(values.header ?? []),
    ...(values.body !== undefined ? { body: values.body } : {}),
    cloud,
    source,
    ...(otherAudienceScope !== undefined ? { otherAudienceScope } : {}),
    expectUnauthenticated: parseExpectUnauthenticated('--expect-unauthenticated', values['expect-unauthenticated'] ?? ''),
    expectAuthenticated: parseExpectAuthenticated('--expect-authenticated', values['expect-authenticated'] ?? ''),
    timeoutSeconds,
    negativeProbes: values['no-negative-probes'] !== true,
    json: values.json === true,
    ...(values.report !== undefined ? { report: parseOutputPath('--report', values.report, 'the JSON report, e.g. gate-report.json') } : {}),
    ...(values.sarif !== undefined ? { sarif: parseOutputPath('--sarif', values.sarif, 'the SARIF log, e.g. entra-api-guard.sarif') } : {}),
    verbose: values.verbose === true,
  };
}

type Values = Partial<Record<keyof typeof OPTIONS, string | string[] | boolean | undefined>>;

export interface ControlPlaneFlags {
  readonly apiId?: string;
  readonly region?: string;
  readonly stage?: string;
  readonly publicRoutes: readonly string[];
  readonly allowAuthorizers: readonly string[];
}

/** --api-id, --region, --stage, --public-route and --allow-authorizer, shared by verify and audit. Pure. */
export function parseControlPlaneFlags(values: { readonly [key: string]: string | string[] | boolean | undefined }): ControlPlaneFlags {
  const text = (key: string): string | undefined => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  const list = (key: string): string[] => (Array.isArray(values[key]) ? (values[key] as string[]) : []);
  const apiId = text('api-id');
  if (apiId !== undefined && !/^[a-z0-9]{1,64}$/i.test(apiId))
    throw new InvalidInputError('--api-id', apiId, 'an API Gateway API id, letters and digits such as a1b2c3d4e5');
  const region = text('region');
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new InvalidInputError('--region', region, 'an AWS region such as eu-west-1');
  const stage = text('stage');
  if (stage !== undefined && !/^(\$default|[A-Za-z0-9_-]{1,128})$/.test(stage))
    throw new InvalidInputError('--stage', stage, 'a stage name such as $default or prod');
  const publicRoutes = list('public-route').map((key) => checkRouteKeyFlag('--public-route', key));
  const allowAuthorizers = list('allow-authorizer').map((name) => {
    if (name.trim() === '') throw new InvalidInputError('--allow-authorizer', name, "an authorizer's name or id (AWS_IAM for IAM routes)");
    return name.trim();
  });
  return {
    ...(apiId !== undefined ? { apiId } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(stage !== undefined ? { stage } : {}),
    publicRoutes,
    allowAuthorizers,
  };
}

function checkRouteKeyFlag(flag: string, key: string): string {
  const value = key.trim();
  if (value === '$default') return value;
  parseRouteKey(value, flag);
  return value;
}

function tokenSource(values: Values, env: Readonly<Record<string, string | undefined>>): CliTokenSource {
  const str = (key: keyof typeof OPTIONS): string | undefined => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  const entraKeys = ['tenant-id', 'client-id', 'scope', 'client-secret-env', 'audience'] as const;
  const given = (['token', 'token-env', 'token-command'] as const).filter((k) => str(k) !== undefined);
  const entraGiven = entraKeys.filter((k) => str(k) !== undefined);
  const groups = [...given, ...(entraGiven.length > 0 ? ['tenant-id'] : [])];
  if (groups.length > 1) {
    const second = groups[1]!;
    // Never echo a token value; other values are safe to show.
    const shown = second === 'token' ? '(hidden)' : str(second as keyof typeof OPTIONS);
    throw new InvalidInputError(
      `--${second}`,
      shown,
      `one token source only: --token, --token-env, --token-command, or --tenant-id/--client-id/--scope (got --${groups[0]} too)`,
    );
  }
  if (str('token') !== undefined) {
    const token = parseBearerToken('--token', str('token')!);
    if (token === undefined) throw new InvalidInputError('--token', '', 'an access token');
    return { kind: 'given', token, from: '--token' };
  }
  const tokenEnv = str('token-env');
  if (tokenEnv !== undefined) {
    const value = parseBearerToken(`--token-env ${tokenEnv}`, env[tokenEnv] ?? '');
    if (value === undefined) throw new InvalidInputError('--token-env', tokenEnv, 'the name of a set, non-empty environment variable holding the access token');
    return { kind: 'given', token: value, from: '--token-env' };
  }
  const command = str('token-command');
  if (command !== undefined) {
    if (command.trim() === '') throw new InvalidInputError('--token-command', command, 'a command that prints one access token');
    return { kind: 'command', command };
  }
  if (entraGiven.length === 0) return { kind: 'none' };
  const tenantId = required('--tenant-id', str('tenant-id'), 'the directory (tenant) id, a GUID');
  if (!isGuid(tenantId)) throw new InvalidInputError('--tenant-id', tenantId, 'the directory (tenant) id, a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47');
  const clientId = required('--client-id', str('client-id'), "the caller app's client (application) id, a GUID");
  if (!isGuid(clientId)) throw new InvalidInputError('--client-id', clientId, "the caller app's client (application) id, a GUID");
  const scope = required('--scope', str('scope'), 'the API scope for app-only tokens, e.g. api://orders-api/.default');
  if (!/^\S+\/\.default$/.test(scope))
    throw new InvalidInputError('--scope', scope, '<App ID URI>/.default (app-only tokens need .default), e.g. api://orders-api/.default');
  const secretEnv = str('client-secret-env');
  let clientSecret: string | undefined;
  if (secretEnv !== undefined) {
    clientSecret = env[secretEnv];
    if (!clientSecret)
      throw new InvalidInputError('--client-secret-env', secretEnv, 'the name of a set, non-empty environment variable holding the client secret');
  }
  const audience = str('audience');
  return {
    kind: 'entra',
    tenantId: tenantId.toLowerCase(),
    clientId,
    scope,
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    ...(audience !== undefined ? { audience } : {}),
  };
}

function parseOutputPath(flag: string, path: string, what: string): string {
  if (path.trim() === '') throw new InvalidInputError(flag, path, `a file path for ${what}`);
  return resolve(path);
}

function required(flag: string, value: string | undefined, expected: string): string {
  if (value === undefined || value === '') throw new InvalidInputError(flag, value, `${expected} (with --tenant-id, --client-id and --scope together)`);
  return value;
}

function parseHeaders(list: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const item of list) {
    const colon = item.indexOf(':');
    const name = colon > 0 ? item.slice(0, colon).trim() : '';
    if (!/^[A-Za-z0-9-]+$/.test(name)) throw new InvalidInputError('--header', item, '"Name: value", e.g. "x-api-key: abc"');
    if (name.toLowerCase() === 'authorization')
      throw new InvalidInputError(
        '--header',
        `${name}: (hidden)`,
        'no Authorization header: the probes set it (give the token with --token or another source)',
      );
    headers[name] = item.slice(colon + 1).trim();
  }
  return headers;
}

function withKey<T>(fn: () => T, keys: Record<string, string>): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof InvalidInputError && keys[error.key] !== undefined) {
      throw new InvalidInputError(keys[error.key]!, error.value, error.expected);
    }
    throw error;
  }
}

/** node's parseArgs errors name the option; restate them in our one-line form. */
function fromParseError(error: unknown): InvalidInputError {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return new InvalidInputError('option', unknown[1], 'one of the options in entra-api-guard verify --help');
  const missing = /Option '(?:-\w, )?(--[\w-]+)(?: <value>)?' argument missing/.exec(message);
  if (missing) return new InvalidInputError(missing[1]!, undefined, 'a value after it');
  const typed = /Option '(?:-\w, )?(--[\w-]+)[^']*' does not take an argument/.exec(message);
  if (typed) return new InvalidInputError(typed[1]!, '(a value)', 'no value (it is a switch)');
  return new InvalidInputError('arguments', message.split('\n')[0], 'valid options (see entra-api-guard verify --help)');
}
