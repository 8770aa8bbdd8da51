import { InvalidInputError } from '../errors';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/** Where a workflow's OIDC token comes from. */
export type GithubIssuerSource =
  | { readonly kind: 'github.com' }
  /** GitHub Enterprise Cloud with a custom issuer for the enterprise. */
  | { readonly kind: 'enterprise'; readonly enterpriseSlug: string }
  /** GitHub Enterprise Server. */
  | { readonly kind: 'ghes'; readonly host: string };

export function githubIssuer(source: GithubIssuerSource = { kind: 'github.com' }): string {
  switch (source.kind) {
    case 'github.com':
      return GITHUB_ISSUER;
    case 'enterprise':
      if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(source.enterpriseSlug)) {
        throw new InvalidInputError(
          'github.enterpriseSlug',
          source.enterpriseSlug,
          'the enterprise slug from github.com/enterprises/<slug> (letters, digits, hyphens)',
        );
      }
      return `${GITHUB_ISSUER}/${source.enterpriseSlug}`;
    case 'ghes':
      if (!/^[A-Za-z0-9.-]+(?::\d+)?$/.test(source.host)) {
        throw new InvalidInputError('github.host', source.host, 'the GitHub Enterprise Server host name, e.g. github.example.com (no scheme, no path)');
      }
      return `https://${source.host}/_services/token`;
  }
}

/** What part of a workflow run a federated credential trusts. */
export type SubjectScope =
  | { readonly kind: 'branch'; readonly name: string }
  | { readonly kind: 'tag'; readonly name: string }
  | { readonly kind: 'environment'; readonly name: string }
  | { readonly kind: 'pull_request' };

export interface SubjectRepository {
  /** `owner/repo`, as GitHub spells it (subjects match case-sensitively). */
  readonly repository: string;
  /**
   * Numeric ids for the immutable form `repo:owner@OWNER_ID/repo@REPO_ID:…`, the default for
   * repositories created, renamed or transferred after 2026-07-15.
   */
  readonly immutableIds?: { readonly ownerId: number | string; readonly repositoryId: number | string };
}

/**
 * Builds the `sub` claim a GitHub workflow token carries for a scope.
 * Colons inside a value are percent-encoded (`%3A`) so they cannot be read as separators
 * [uncertain: GitHub documents the encoding for customised subjects; we apply it everywhere].
 */
export function githubSubject(repo: SubjectRepository, scope: SubjectScope): string {
  const prefix = `repo:${repositoryPart(repo)}`;
  switch (scope.kind) {
    case 'branch':
      return `${prefix}:ref:refs/heads/${checkName('branch', scope.name)}`;
    case 'tag':
      return `${prefix}:ref:refs/tags/${checkName('tag', scope.name)}`;
    case 'environment':
      return `${prefix}:environment:${checkName('environment', scope.name)}`;
    case 'pull_request':
      return `${prefix}:pull_request`;
  }
}

/**
 * Reads the short forms used in config files and action inputs: `branch:main`, `tag:v1.2.0`,
 * `environment:production`, `pull_request` (Entra's docs write `pull-request`; we accept both and
 * always emit GitHub's spelling).
 */
export function parseSubjectScope(text: string, key = 'subjects'): SubjectScope {
  const trimmed = text.trim();
  if (trimmed === 'pull_request' || trimmed === 'pull-request') return { kind: 'pull_request' };
  const colon = trimmed.indexOf(':');
  const kind = colon < 0 ? '' : trimmed.slice(0, colon);
  const name = colon < 0 ? '' : trimmed.slice(colon + 1);
  if ((kind === 'branch' || kind === 'tag' || kind === 'environment') && name !== '') return { kind, name };
  throw new InvalidInputError(key, text, 'branch:<name>, tag:<name>, environment:<name>, pull_request, or a full subject starting with repo:');
}

/** Checks a full subject as GitHub issues it (`repo:owner/repo:…`, or the immutable `owner@id/repo@id` form). */
export function checkGithubSubject(subject: string, key = 'subjects'): string {
  const pattern = /^repo:[A-Za-z0-9_.-]+(?:@\d+)?\/[A-Za-z0-9_.-]+(?:@\d+)?:(?:ref:refs\/(?:heads|tags)\/\S+|environment:\S+|pull_request)$/;
  if (!pattern.test(subject)) {
    throw new InvalidInputError(
      key,
      subject,
      'a GitHub subject like repo:octo-org/orders:ref:refs/heads/main, repo:octo-org/orders:environment:prod or repo:octo-org/orders:pull_request',
    );
  }
  return subject;
}

/** How a subject names its repository: `owner@id/repo@id` (immutable) or `owner/repo` (names); undefined when it is no repo: subject. */
export function subjectFormatOf(subject: string | undefined): SubjectFormat | undefined {
  const match = subject === undefined ? null : /^repo:([^/:]+)\/([^:]+):/.exec(subject);
  if (!match) return undefined;
  return /@\d+$/.test(match[1]!) && /@\d+$/.test(match[2]!) ? 'immutable' : 'names';
}

/** `immutable`: `repo:owner@OWNER_ID/repo@REPO_ID:…`; `names`: `repo:owner/repo:…` (repositories older than 2026-07-15). */
export type SubjectFormat = 'immutable' | 'names';

function repositoryPart(repo: SubjectRepository): string {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)\/([A-Za-z0-9_.-]+)$/.exec(repo.repository);
  if (!match) {
    throw new InvalidInputError('repository', repo.repository, 'owner/repo, e.g. octo-org/orders-api');
  }
  if (!repo.immutableIds) return repo.repository;
  const ownerId = checkNumericId('immutableIds.ownerId', repo.immutableIds.ownerId);
  const repositoryId = checkNumericId('immutableIds.repositoryId', repo.immutableIds.repositoryId);
  return `${match[1]}@${ownerId}/${match[2]}@${repositoryId}`;
}

function checkNumericId(key: string, value: number | string): string {
  const text = String(value);
  if (!/^\d+$/.test(text)) throw new InvalidInputError(key, value, 'the numeric id GitHub shows for it (digits only)');
  return text;
}

function checkName(key: string, name: string): string {
  if (name === '' || /\s/.test(name)) throw new InvalidInputError(key, name, 'a non-empty name without spaces');
  return name.replace(/:/g, '%3A');
}
