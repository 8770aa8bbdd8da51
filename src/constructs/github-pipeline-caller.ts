import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { Application } from '@cdktf/provider-azuread/lib/application';
import { ServicePrincipal } from '@cdktf/provider-azuread/lib/service-principal';
import { ApplicationFederatedIdentityCredential } from '@cdktf/provider-azuread/lib/application-federated-identity-credential';
import { ApplicationFlexibleFederatedIdentityCredential } from '@cdktf/provider-azuread/lib/application-flexible-federated-identity-credential';
import { AppRoleAssignment } from '@cdktf/provider-azuread/lib/app-role-assignment';
import {
  checkFederatedCredentials,
  checkGithubSubject,
  githubIssuer,
  isUnresolved,
  MAX_FEDERATED_CREDENTIALS,
  parseClaimsMatchingExpression,
} from '../contract';
import { InvalidInputError } from '../errors';
import type { EntraApiApplication } from './entra-api-application';

/** A claims-matching (flexible) federated credential, e.g. every branch of a repository. */
export interface FlexibleCredentialSpec {
  /** Unique name within the caller app (letters, digits, hyphens, underscores). */
  readonly name: string;
  /** e.g. `claims['sub'] matches 'repo:octo-org/orders-api:ref:refs/heads/*'` */
  readonly claimsMatchingExpression: string;
}

export interface GithubPipelineCallerProps {
  /** Display name of the caller app registration. */
  readonly displayName: string;
  /** The API the pipeline calls. */
  readonly api: EntraApiApplication;
  /** App role granted on the API. @default - the API's first app role */
  readonly role?: string;
  /** Exact GitHub subjects trusted, e.g. `repo:octo-org/orders-api:ref:refs/heads/main`. */
  readonly subjects: readonly string[];
  /** Claims-matching credentials (preview in Entra). @default none */
  readonly flexibleCredentials?: readonly FlexibleCredentialSpec[];
  /** Issuer of the workflow tokens. @default https://token.actions.githubusercontent.com */
  readonly issuer?: string;
}

/**
 * The identity a GitHub workflow uses to get tokens for the API: an app registration with one
 * federated credential per trusted subject (audience from the API's cloud), its service principal,
 * and an app role assignment on the API so its tokens carry `roles`.
 */
export class GithubPipelineCaller extends Construct {
  readonly application: Application;
  readonly servicePrincipal: ServicePrincipal;
  readonly clientId: string;
  readonly issuer: string;
  readonly audience: string;
  readonly role: string;

  constructor(scope: Construct, id: string, props: GithubPipelineCallerProps) {
    super(scope, id);
    this.issuer = props.issuer ?? githubIssuer();
    this.audience = props.api.cloud.federationAudience;
    this.role = props.role ?? props.api.appRoleValues[0] ?? '';
    const roleId = props.api.appRoleId(this.role);
    const flexible = props.flexibleCredentials ?? [];
    checkCredentials(id, this.issuer, this.audience, props.subjects, flexible);

    this.application = new Application(this, 'application', { displayName: props.displayName });
    this.clientId = this.application.clientId;
    this.servicePrincipal = new ServicePrincipal(this, 'service-principal', { clientId: this.application.clientId });

    for (const subject of props.subjects) {
      const name = credentialName(subject);
      new ApplicationFederatedIdentityCredential(this, `credential-${name}`, {
        applicationId: this.application.id,
        displayName: name,
        description: `GitHub Actions: ${subject}`,
        issuer: this.issuer,
        subject,
        audiences: [this.audience],
      });
    }
    for (const spec of flexible) {
      new ApplicationFlexibleFederatedIdentityCredential(this, `flexible-${spec.name}`, {
        applicationId: this.application.id,
        displayName: spec.name,
        issuer: this.issuer,
        audience: this.audience,
        claimsMatchingExpression: spec.claimsMatchingExpression,
      });
    }

    new AppRoleAssignment(this, 'role-assignment', {
      appRoleId: roleId,
      principalObjectId: this.servicePrincipal.objectId,
      resourceObjectId: props.api.servicePrincipal.objectId,
    });
  }
}

/**
 * A readable, unique, stable credential name: its display name forces a new resource when it
 * changes, so it must depend on the subject alone.
 */
export function credentialName(subject: string): string {
  const tail = subject
    .replace(/^repo:[^:]+:/, '')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  const hash = createHash('sha256').update(subject).digest('hex').slice(0, 8);
  return `github-${tail || 'subject'}-${hash}`;
}

function checkCredentials(id: string, issuer: string, audience: string, subjects: readonly string[], flexible: readonly FlexibleCredentialSpec[]): void {
  const total = subjects.length + flexible.length;
  if (total === 0) {
    throw new InvalidInputError(`${id}.subjects`, [], 'at least one GitHub subject, e.g. repo:octo-org/orders-api:ref:refs/heads/main');
  }
  if (total > MAX_FEDERATED_CREDENTIALS) {
    throw new InvalidInputError(
      `${id}.subjects`,
      `${total} credentials`,
      `at most ${MAX_FEDERATED_CREDENTIALS} federated credentials per app (use a flexible credential with a wildcard)`,
    );
  }
  const seen = new Set<string>();
  subjects.forEach((subject, index) => {
    if (!isUnresolved(subject)) checkGithubSubject(subject, `${id}.subjects[${index}]`);
    if (seen.has(subject)) {
      throw new InvalidInputError(`${id}.subjects[${index}]`, subject, `each subject once (issuer + subject must be unique; ${issuer} already trusts it)`);
    }
    seen.add(subject);
  });
  const names = new Set<string>();
  flexible.forEach((spec, index) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$/.test(spec.name) || names.has(spec.name)) {
      throw new InvalidInputError(`${id}.flexibleCredentials[${index}].name`, spec.name, 'a unique name of 3–120 letters, digits, hyphens or underscores');
    }
    names.add(spec.name);
    // The same parser the Entra emulator uses: both accept exactly one grammar.
    parseClaimsMatchingExpression(spec.claimsMatchingExpression, { issuer, key: `${id}.flexibleCredentials[${index}].claimsMatchingExpression` });
  });
  // Entra's own limits on the whole set, as the emulator enforces them when it loads the stack.
  checkFederatedCredentials(
    [
      ...subjects.map((subject) => ({ name: credentialName(subject), issuer, subject, audiences: [audience] })),
      ...flexible.map((spec) => ({ name: spec.name, issuer, claimsMatchingExpression: spec.claimsMatchingExpression, audiences: [audience] })),
    ],
    id,
  );
}
