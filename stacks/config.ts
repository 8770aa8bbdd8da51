import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import {
  API_NAME_FORM,
  API_NAME_PATTERN,
  CLOUD_NAMES,
  checkGithubSubject,
  checkUrl,
  isGuid,
  parseSubjectScope,
  githubSubject,
  withoutCredentials,
  type SubjectRepository,
  type SubjectScope,
  type UrlRules,
} from '../src/contract';
import { GuardError, describeValue } from '../src/errors';
import { readJsonFile } from '../src/json-file';

const guid = z.string().refine(isGuid, 'a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47');
const name = z.string().regex(API_NAME_PATTERN, API_NAME_FORM);
/** A URL as the contract checks every URL (src/contract/urls.ts); the issue's message is the expected form. */
const url = (example: string, rules: UrlRules = {}) =>
  z.string().superRefine((value, context) => {
    const checked = checkUrl(value, example, rules);
    if ('expected' in checked) context.addIssue({ code: 'custom', message: checked.expected });
  });
const numericId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, 'the numeric id GitHub shows (digits only)')]);
const permission = z.object({ value: z.string().min(1), description: z.string().optional() }).strict();

const backend = z.discriminatedUnion('type', [
  z.object({ type: z.literal('local'), dir: z.string().default('.terraform-state') }).strict(),
  z
    .object({
      type: z.literal('s3'),
      bucket: z.string().min(3, 'the state bucket name'),
      region: z.string().optional(),
      keyPrefix: z.string().default('entra-api-guard'),
      endpoint: url('https://s3.eu-west-1.amazonaws.com').optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('azurerm'),
      storageAccountName: z.string().min(3),
      containerName: z.string().min(3),
      resourceGroupName: z.string().optional(),
      keyPrefix: z.string().default('entra-api-guard'),
    })
    .strict(),
]);

/** The schema of `cdktf.json` → `context.entraApiGuard`, a config file, and environment overrides. */
export const configSchema = z
  .object({
    profile: z.enum(['cloud', 'local']).default('cloud'),
    tenantId: guid,
    cloud: z.enum(CLOUD_NAMES).optional(),
    authorityHost: url('https://login.microsoftonline.us', { httpsUnlessLoopback: true }).optional(),
    apiName: name.default('orders-api'),
    tokenVersion: z.union([z.literal(1), z.literal(2)]).default(2),
    identifierUri: z.string().default('client-id'),
    appRoles: z
      .array(permission)
      .min(1)
      .default([{ value: 'Gate.Invoke' }]),
    scopes: z.array(permission).default([]),
    apiClientId: guid.optional(),
    decoyAudience: z.boolean().default(true),
    caller: z
      .object({
        displayName: z.string().optional(),
        repository: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9_.-]+$/, 'owner/repo, e.g. octo-org/orders-api'),
        subjects: z.array(z.string()).min(1).default(['branch:main']),
        /** GITHUB_REPOSITORY_OWNER_ID / GITHUB_REPOSITORY_ID: with both, shorthand subjects take the immutable form. */
        ownerId: numericId.optional(),
        repositoryId: numericId.optional(),
        /** `names` keeps name-only subjects (repositories older than 2026-07-15). @default immutable when both ids are known */
        subjectFormat: z.enum(['immutable', 'names']).optional(),
        /** Older spelling of ownerId + repositoryId, still read. */
        immutableIds: z.object({ ownerId: numericId, repositoryId: numericId }).strict().optional(),
        issuer: url('https://token.actions.githubusercontent.com', { httpsUnlessLoopback: true }).optional(),
        flexibleCredentials: z.array(z.object({ name: z.string(), claimsMatchingExpression: z.string() }).strict()).default([]),
      })
      .strict(),
    routes: z
      .array(z.object({ routeKey: z.string(), public: z.boolean().optional(), scopes: z.array(z.string()).optional() }).strict())
      .min(1)
      .default([{ routeKey: 'GET /hello' }, { routeKey: 'ANY /{proxy+}' }, { routeKey: 'GET /health', public: true }]),
    integration: z
      .union([
        z.object({ lambdaDir: z.string(), handler: z.string().optional(), runtime: z.string().optional() }).strict(),
        z.object({ httpUrl: url('https://backend.example.com', { bare: false }) }).strict(),
      ])
      .default({ lambdaDir: 'stacks/lambda/hello' }),
    stage: z
      .object({
        throttlingBurstLimit: z.number().int().positive().optional(),
        throttlingRateLimit: z.number().positive().optional(),
        logRetentionDays: z.number().int().positive().optional(),
      })
      .strict()
      .default({}),
    aws: z
      .object({
        region: z
          .string()
          .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1')
          .default('us-east-1'),
        /** A single endpoint for every AWS service (moto_server in the local profile). */
        endpoint: url('http://127.0.0.1:5000').optional(),
        /** Overrides the aws provider version constraint (the offline mirror holds 5.100.0). */
        providerVersion: z.string().optional(),
      })
      .strict()
      .default({ region: 'us-east-1' }),
    backend: backend.default({ type: 'local', dir: '.terraform-state' }),
  })
  .strict();

export type GuardConfigInput = z.input<typeof configSchema>;
export type GuardConfig = z.output<typeof configSchema> & {
  /** Folder relative paths in the config are read from. */
  readonly root: string;
  /** Full GitHub subjects, expanded from the short forms. */
  readonly subjects: readonly string[];
  /** What synth should warn about (e.g. name-only subjects built without the repository's ids). */
  readonly warnings: readonly string[];
};

export class ConfigError extends GuardError {
  constructor(message: string) {
    super('ERR_INVALID_CONFIG', message);
  }
}

/** Environment variables that override single keys (handy in CI and for the rehearsal). */
export const CONFIG_ENV: Record<string, string> = {
  ENTRA_API_GUARD_PROFILE: 'profile',
  ENTRA_API_GUARD_TENANT_ID: 'tenantId',
  ENTRA_API_GUARD_CLOUD: 'cloud',
  ENTRA_API_GUARD_AUTHORITY_HOST: 'authorityHost',
  ENTRA_API_GUARD_API_NAME: 'apiName',
  ENTRA_API_GUARD_API_CLIENT_ID: 'apiClientId',
  ENTRA_API_GUARD_TOKEN_VERSION: 'tokenVersion',
};

export interface LoadConfigOptions {
  /** Folder with `cdktf.json`. @default process.cwd() at the edge */
  readonly cwd: string;
  /** Environment to read overrides from (pass process.env at the edge). @default {} */
  readonly env?: Record<string, string | undefined>;
  /** A JSON config file, layered over cdktf.json's context. @default env ENTRA_API_GUARD_CONFIG */
  readonly configFile?: string;
  /** Last layer, e.g. action inputs or CLI flags. */
  readonly overrides?: Partial<GuardConfigInput> & Record<string, unknown>;
}

/** Layers defaults < cdktf.json context < config file < environment < overrides, then validates. */
export function loadConfig(options: LoadConfigOptions): GuardConfig {
  return parseConfig(mergeConfigLayers(options), options.cwd);
}

/**
 * The layers merged, before validation and schema defaults: what the user configured. Tells a
 * configured `caller.subjects` apart from the default `["branch:main"]`.
 */
export function mergeConfigLayers(options: LoadConfigOptions): Record<string, unknown> {
  const env = options.env ?? {};
  const layers: Record<string, unknown>[] = [];
  const cdktfJson = join(options.cwd, 'cdktf.json');
  if (existsSync(cdktfJson)) {
    const context = (readJson(cdktfJson) as { context?: Record<string, unknown> }).context?.entraApiGuard;
    if (context !== undefined) layers.push(context as Record<string, unknown>);
  }
  const file = options.configFile ?? env.ENTRA_API_GUARD_CONFIG;
  if (file) layers.push(readJson(isAbsolute(file) ? file : resolve(options.cwd, file)) as Record<string, unknown>);
  const fromEnv: Record<string, unknown> = {};
  for (const [variable, key] of Object.entries(CONFIG_ENV)) {
    const value = env[variable];
    if (value !== undefined && value !== '') fromEnv[key] = key === 'tokenVersion' ? Number(value) : value;
  }
  layers.push(fromEnv, options.overrides ?? {});
  return layers.reduce(mergeLayer, {});
}

/** Validates a merged config object; every error is one line naming the key and the expected form. */
export function parseConfig(raw: unknown, root: string): GuardConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const [first, ...rest] = result.error.issues;
    const more = rest.length ? ` (+${rest.length} more)` : '';
    throw new ConfigError(`${issueLine(first!, raw)}${more}`);
  }
  const config = result.data;
  const cloud = config.cloud ?? (config.profile === 'local' ? 'local' : 'public');
  const { repo, warnings } = subjectRepository(config.caller);
  const subjects = config.caller.subjects.map((text, index) => {
    const key = `config.caller.subjects[${index}]`;
    if (text.startsWith('repo:')) return checkGithubSubject(text, key);
    const scope: SubjectScope = parseSubjectScope(text, key);
    return githubSubject(repo, scope);
  });
  const usesShorthand = config.caller.subjects.some((text) => !text.startsWith('repo:'));
  return { ...config, cloud, root, subjects, warnings: usesShorthand ? warnings : [] };
}

/**
 * How shorthand subjects name the repository (protocols.md §4): repositories created, renamed or
 * transferred since 2026-07-15 present `repo:OWNER@OWNER_ID/REPO@REPO_ID:…`, so with both ids known the
 * immutable form is built; without them, name-only subjects are built with a warning that names the
 * fix, unless `subjectFormat: names` says the repository is an older one.
 */
function subjectRepository(caller: z.output<typeof configSchema>['caller']): { repo: SubjectRepository; warnings: string[] } {
  const legacy = caller.immutableIds;
  if (legacy && (caller.ownerId !== undefined || caller.repositoryId !== undefined)) {
    throw new ConfigError(
      'config.caller.immutableIds: got it together with caller.ownerId/repositoryId; expected only caller.ownerId and caller.repositoryId (immutableIds is their older spelling)',
    );
  }
  const ownerId = caller.ownerId ?? legacy?.ownerId;
  const repositoryId = caller.repositoryId ?? legacy?.repositoryId;
  if ((ownerId === undefined) !== (repositoryId === undefined)) {
    const missing = ownerId === undefined ? 'ownerId' : 'repositoryId';
    throw new ConfigError(
      `config.caller.${missing}: got nothing; expected it with caller.${missing === 'ownerId' ? 'repositoryId' : 'ownerId'} (${missing === 'ownerId' ? 'GITHUB_REPOSITORY_OWNER_ID' : 'GITHUB_REPOSITORY_ID'} in a workflow): immutable subjects need both`,
    );
  }
  const format = caller.subjectFormat ?? (ownerId !== undefined ? 'immutable' : 'names');
  if (format === 'names') {
    const warnings =
      caller.subjectFormat === undefined
        ? [
            `caller.subjects: built name-only subjects (repo:${caller.repository}:…) because caller.ownerId and caller.repositoryId are unknown; repositories created, renamed or transferred since 2026-07-15 present repo:OWNER@OWNER_ID/REPO@REPO_ID:… and would fail the exchange with AADSTS700213. Set caller.ownerId and caller.repositoryId (the action fills them from GITHUB_REPOSITORY_OWNER_ID and GITHUB_REPOSITORY_ID), or set caller.subjectFormat to "names" for an older repository`,
          ]
        : [];
    return { repo: { repository: caller.repository }, warnings };
  }
  if (ownerId === undefined || repositoryId === undefined) {
    throw new ConfigError(
      'config.caller.ownerId: got nothing; expected the numeric owner and repository ids (caller.ownerId, caller.repositoryId) because caller.subjectFormat is "immutable"',
    );
  }
  return { repo: { repository: caller.repository, immutableIds: { ownerId, repositoryId } }, warnings: [] };
}

const EXPECTED_BY_KEY: Record<string, string> = {
  tenantId: 'the directory (tenant) id, a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47',
  repository: 'owner/repo, e.g. octo-org/orders-api',
  tokenVersion: '1 or 2 (2 is recommended)',
  integration: '{ "lambdaDir": "<folder>" } or { "httpUrl": "https://…" }',
};

function issueLine(issue: z.core.$ZodIssue, raw: unknown): string {
  const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
  if (issue.code === 'unrecognized_keys') {
    return `config${path}.${issue.keys[0]}: unknown key; expected one of the documented keys (see the README's configuration table)`;
  }
  const seen = issue.path.reduce<unknown>((value, part) => (value as Record<PropertyKey, unknown> | undefined)?.[part as PropertyKey], raw);
  return `config${path}: got ${describeValue(typeof seen === 'string' ? withoutCredentials(seen) : seen)}; expected ${expectedText(issue)}`;
}

function expectedText(issue: z.core.$ZodIssue): string {
  const last = String(issue.path[issue.path.length - 1] ?? '');
  if (EXPECTED_BY_KEY[last] && (issue.code === 'invalid_union' || issue.code === 'invalid_value')) return EXPECTED_BY_KEY[last]!;
  switch (issue.code) {
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'type' === last || issue.message.includes('discriminator') ? `one of ${discriminatorOptions(issue)}` : issue.message;
    case 'invalid_type':
      return EXPECTED_BY_KEY[last] ?? `${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    case 'too_small': {
      const bound = issue.inclusive ? `at least ${String(issue.minimum)}` : `more than ${String(issue.minimum)}`;
      return issue.origin === 'array' ? `${bound} item(s)` : bound;
    }
    default:
      return issue.message;
  }
}

function discriminatorOptions(issue: z.core.$ZodIssue): string {
  const match = /Expected (.+)$/.exec(issue.message);
  return match ? match[1]!.replace(/'/g, '"').replace(/ \| /g, ', ') : issue.message;
}

function mergeLayer(base: Record<string, unknown>, layer: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeLayer(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJson(path: string): unknown {
  return readJsonFile(path, (reason, kind) =>
    kind === 'unreadable'
      ? new ConfigError(`config file: got ${JSON.stringify(path)}; expected a readable JSON file`)
      : new ConfigError(`config file ${path}: not valid JSON (${reason.replace(/^.* is not valid JSON \((.*)\)$/, '$1')})`),
  );
}
