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
  /**
   * Use the immutable subject form `repo:owner@OWNER_ID/repo@REPO_ID:…`, the default for repositories
   * created, renamed or transferred since 2026-07-15; false gives an older repository's name-only form.
   * @default true
   */
  readonly immutableSubject?: boolean;
  /** Source and target branches of a pull_request run. @default 'feature' and 'main' (empty strings for other events) */
  readonly headRef?: string;
  readonly baseRef?: string;
  /**
   * The reusable workflow this job runs in (`uses: owner/repo/.github/workflows/x.yml@ref`), if any:
   * `job_workflow_ref`/`job_workflow_sha` name it instead of the calling workflow. @default none
   */
  readonly calledWorkflow?: { readonly repository: string; readonly path: string; readonly ref: string; readonly sha?: string };
  /** The enterprise that holds the repository, for enterprise accounts only. @default none */
  readonly enterprise?: { readonly slug: string; readonly id: string | number };
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

/** The emulated run's defaults; the ids are what the rehearsal's config puts in caller.ownerId / repositoryId. */
export const GITHUB_RUN_DEFAULTS = {
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

/** GitHub's tokens are valid from 5 minutes before they are issued (observed in real tokens: nbf = iat − 300). */
const NOT_BEFORE_LEAD_SECONDS = 300;

/**
 * Builds the claims of an Actions ID token (protocols.md §4). `sub` precedence:
 * environment > pull_request > ref.
 */
export function buildGithubClaims(run: GithubRunClaims, frame: TokenFrame): Record<string, unknown> {
  const repository = run.repository ?? GITHUB_RUN_DEFAULTS.repository;
  const owner = repository.split('/')[0] ?? repository;
  const ref = run.ref ?? GITHUB_RUN_DEFAULTS.ref;
  const eventName = run.eventName ?? GITHUB_RUN_DEFAULTS.eventName;
  const repositoryId = String(run.repositoryId ?? GITHUB_RUN_DEFAULTS.repositoryId);
  const repositoryOwnerId = String(run.repositoryOwnerId ?? GITHUB_RUN_DEFAULTS.repositoryOwnerId);
  const workflowRef = `${repository}/${run.workflowPath ?? GITHUB_RUN_DEFAULTS.workflowPath}@${ref}`;
  const sha = run.sha ?? GITHUB_RUN_DEFAULTS.sha;
  const called = run.calledWorkflow;
  const pullRequest = eventName === 'pull_request' || eventName === 'pull_request_target';
  const sub =
    run.sub ??
    subjectFor(repository, run.immutableSubject !== false ? { ownerId: repositoryOwnerId, repositoryId } : undefined, run.environment, eventName, ref);
  const claims: Record<string, unknown> = {
    jti: frame.jti,
    sub,
    aud: frame.audience ?? `https://github.com/${owner}`,
    ref,
    sha,
    repository,
    repository_owner: owner,
    repository_owner_id: repositoryOwnerId,
    repository_id: repositoryId,
    repository_visibility: 'private',
    run_id: String(run.runId ?? GITHUB_RUN_DEFAULTS.runId),
    run_number: '42',
    run_attempt: String(run.runAttempt ?? GITHUB_RUN_DEFAULTS.runAttempt),
    actor: run.actor ?? GITHUB_RUN_DEFAULTS.actor,
    actor_id: '583231',
    workflow: 'deploy',
    workflow_ref: workflowRef,
    workflow_sha: sha,
    job_workflow_ref: called ? `${called.repository}/${called.path}@${called.ref}` : workflowRef,
    job_workflow_sha: called ? (called.sha ?? sha) : sha,
    head_ref: pullRequest ? (run.headRef ?? 'feature') : '',
    base_ref: pullRequest ? (run.baseRef ?? 'main') : '',
    event_name: eventName,
    ref_type: refType(ref),
    runner_environment: run.runnerEnvironment ?? GITHUB_RUN_DEFAULTS.runnerEnvironment,
    ...(run.enterprise ? { enterprise: run.enterprise.slug, enterprise_id: String(run.enterprise.id) } : {}),
    iss: frame.issuer,
    nbf: frame.nowSeconds - NOT_BEFORE_LEAD_SECONDS,
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
