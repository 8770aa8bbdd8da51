import { githubSubject, type SubjectScope } from '../../contract';

/** What the emulated workflow run looks like; every field has a realistic default. */
export interface GithubRunClaims {
  /** `owner/repo`. @default 'octo-org/orders-api' */
  readonly repository?: string;
  /** Numeric repository id (GitHub sends ids as strings). @default '892311047' */
  readonly repositoryId?: string | number;
  /** Numeric owner id. @default '19186251' */
  readonly repositoryOwnerId?: string | number;
  /** Full ref. @default 'refs/heads/main' */
  readonly ref?: string;
  /** @default a fixed 40-hex commit */
  readonly sha?: string;
  /** Deployment environment of the job; when set it wins the subject. @default none */
  readonly environment?: string;
  /** @default 'push' */
  readonly eventName?: string;
  /** Workflow file inside the repository. @default '.github/workflows/deploy.yml' */
  readonly workflowPath?: string;
  /** @default '9876543210' */
  readonly runId?: string | number;
  /** @default '1' */
  readonly runAttempt?: string | number;
  /** @default 'octocat' */
  readonly actor?: string;
  /** @default 'github-hosted' */
  readonly runnerEnvironment?: 'github-hosted' | 'self-hosted';
  /** Use the immutable subject form `repo:owner@OWNER_ID/repo@REPO_ID:…`. @default false */
  readonly immutableSubject?: boolean;
  /** Replaces the computed `sub` (customised subject templates). @default computed */
  readonly sub?: string;
  /** Extra or replaced claims, applied last. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface TokenFrame {
  readonly issuer: string;
  /** `aud`; GitHub's default is `https://github.com/<owner>`. */
  readonly audience?: string;
  readonly nowSeconds: number;
  readonly lifetimeSeconds: number;
  readonly jti: string;
}

const DEFAULTS = {
  repository: 'octo-org/orders-api',
  repositoryId: '892311047',
  repositoryOwnerId: '19186251',
  ref: 'refs/heads/main',
  sha: '4f9c1d2e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d',
  eventName: 'push',
  workflowPath: '.github/workflows/deploy.yml',
  runId: '9876543210',
  runAttempt: '1',
  actor: 'octocat',
  runnerEnvironment: 'github-hosted',
} as const;

/**
 * Builds the claims of an Actions ID token (protocols.md §4). `sub` precedence:
 * environment > pull_request > ref.
 */
export function buildGithubClaims(run: GithubRunClaims, frame: TokenFrame): Record<string, unknown> {
  const repository = run.repository ?? DEFAULTS.repository;
  const owner = repository.split('/')[0] ?? repository;
  const ref = run.ref ?? DEFAULTS.ref;
  const eventName = run.eventName ?? DEFAULTS.eventName;
  const repositoryId = String(run.repositoryId ?? DEFAULTS.repositoryId);
  const repositoryOwnerId = String(run.repositoryOwnerId ?? DEFAULTS.repositoryOwnerId);
  const workflowRef = `${repository}/${run.workflowPath ?? DEFAULTS.workflowPath}@${ref}`;
  const sub =
    run.sub ??
    subjectFor(
      repository,
      run.immutableSubject === true ? { ownerId: repositoryOwnerId, repositoryId } : undefined,
      run.environment,
      eventName,
      ref,
    );
  const claims: Record<string, unknown> = {
    jti: frame.jti,
    sub,
    aud: frame.audience ?? `https://github.com/${owner}`,
    ref,
    sha: run.sha ?? DEFAULTS.sha,
    repository,
    repository_owner: owner,
    repository_owner_id: repositoryOwnerId,
    repository_id: repositoryId,
    repository_visibility: 'private',
    run_id: String(run.runId ?? DEFAULTS.runId),
    run_number: '42',
    run_attempt: String(run.runAttempt ?? DEFAULTS.runAttempt),
    actor: run.actor ?? DEFAULTS.actor,
    actor_id: '583231',
    workflow: 'deploy',
    workflow_ref: workflowRef,
    job_workflow_ref: workflowRef,
    event_name: eventName,
    ref_type: refType(ref),
    runner_environment: run.runnerEnvironment ?? DEFAULTS.runnerEnvironment,
    iss: frame.issuer,
    nbf: frame.nowSeconds,
    iat: frame.nowSeconds,
    exp: frame.nowSeconds + frame.lifetimeSeconds,
  };
  if (run.environment !== undefined) claims['environment'] = run.environment;
  return { ...claims, ...(run.extra ?? {}) };
}

function subjectFor(
  repository: string,
  immutableIds: { ownerId: string; repositoryId: string } | undefined,
  environment: string | undefined,
  eventName: string,
  ref: string,
): string {
  const repo = immutableIds ? { repository, immutableIds } : { repository };
  const scope = scopeFor(environment, eventName, ref);
  if (scope) return githubSubject(repo, scope);
  // Refs that are neither branches nor tags (e.g. refs/pull/7/merge outside a pull_request event).
  const prefix = githubSubject(repo, { kind: 'pull_request' }).replace(/:pull_request$/, '');
  return `${prefix}:ref:${ref}`;
}

function scopeFor(environment: string | undefined, eventName: string, ref: string): SubjectScope | undefined {
  if (environment !== undefined) return { kind: 'environment', name: environment };
  if (eventName === 'pull_request') return { kind: 'pull_request' };
  if (ref.startsWith('refs/heads/')) return { kind: 'branch', name: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { kind: 'tag', name: ref.slice('refs/tags/'.length) };
  return undefined;
}

/** GitHub only knows `branch` and `tag`; pull request merge refs count as branches. */
function refType(ref: string): string {
  return ref.startsWith('refs/tags/') ? 'tag' : 'branch';
}
