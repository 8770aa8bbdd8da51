/**
 * Entra ID token-endpoint failures, in Entra's own shape and wording (protocols.md §3). The `error`
 * strings were checked against real responses quoted in public issue threads; where none was found
 * the comment says so.
 */
export interface AadstsFailure {
  readonly status: number;
  /** OAuth `error` (invalid_client, invalid_request, …). */
  readonly error: string;
  readonly code: number;
  /** Text after `AADSTSnnnn: `; never contains a token. */
  readonly message: string;
}

const WIF_DOCS = 'https://learn.microsoft.com/entra/workload-id/workload-identity-federation';

// invalid_client answers 401 (protocols.md §3); everything else 400.
function failure(code: number, error: string, message: string): AadstsFailure {
  return { status: error === 'invalid_client' ? 401 : 400, error, code, message };
}

export const aadsts = {
  tenantNotFound: (tenant: string) =>
    failure(
      90002,
      'invalid_tenant',
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  missingParameter: (name: string) => failure(900144, 'invalid_request', `The request body must contain the following parameter: '${name}'.`),
  unsupportedGrantType: (grantType: string) => failure(70003, 'unsupported_grant_type', `The app requested an unsupported grant type '${grantType}'.`),
  applicationNotFound: (clientId: string, tenant: string) =>
    failure(
      700016,
      'unauthorized_client',
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  callerServicePrincipalMissing: (clientId: string, tenant: string) =>
    failure(7000229, 'invalid_client', `The client application ${clientId} is missing service principal in the tenant ${tenant}.`),
  missingClientCredential: () =>
    failure(7000218, 'invalid_client', `The request body must contain the following parameter: 'client_assertion' or 'client_secret'.`),
  invalidClientSecret: (clientId: string) =>
    failure(
      7000215,
      'invalid_client',
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    ),
  // Entra answers 50027 for any unusable assertion (format, signature, unknown key); `reason` is ours.
  invalidJwt: (reason: string) => failure(50027, 'invalid_request', `JWT token is invalid or malformed. ${reason}`),
  assertionTimeRange: (now: number, nbf: number | undefined, exp: number | undefined) =>
    failure(
      700024,
      'invalid_client',
      `Client assertion is not within its valid time range. Current time: ${isoTime(now)}, assertion valid from ${isoTime(nbf === undefined ? 0 : nbf * 1000)}, expiry time of assertion ${exp === undefined ? 'none' : isoTime(exp * 1000)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
    ),
  noIssuerMatch: (issuer: string) =>
    failure(
      700211,
      'invalid_client',
      `No matching federated identity record found for presented assertion issuer '${issuer}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${WIF_DOCS}`,
    ),
  // Message as seen in real answers (Azure/azure-workload-identity#1232); invalid_client there.
  signingKeyNotFound: (kid: string, issuer: string) =>
    failure(
      7000272,
      'invalid_client',
      `The certificate with identifier ${kid} used to sign the federated credential could not be found in the metadata of identity provider ${issuer}. Please validate that your Identity Provider's metadata exposes the key used to sign the incoming token.`,
    ),
  // Wording as quoted in public workflow logs; the OAuth error is not quoted with it, invalid_client assumed [uncertain].
  noFederatedCredentials: (clientId: string, displayName: string) =>
    failure(70025, 'invalid_client', `The client '${clientId}'(${displayName}) has no configured federated identity credentials.`),
  // Same family and shape as 700211/700213 [uncertain: no real answer quoted].
  noAudienceMatch: (audience: string) =>
    failure(
      700212,
      'invalid_client',
      `No matching federated identity record found for presented assertion audience '${audience}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${WIF_DOCS}`,
    ),
  noSubjectMatch: (subject: string) =>
    failure(
      700213,
      'invalid_client',
      `No matching federated identity record found for presented assertion subject '${subject}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${WIF_DOCS}`,
    ),
  subjectCaseMismatch: (subject: string) =>
    failure(
      7002138,
      'invalid_client',
      `No matching federated identity record found for presented assertion subject '${subject}'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. See documentation at: ${WIF_DOCS}.`,
    ),
  // Seen as invalid_request in real responses (Azure/azure-workload-identity#616).
  noFederatedMatch: (issuer: string, subject: string, audience: string) =>
    failure(
      70021,
      'invalid_request',
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${issuer}'. Assertion Subject: '${subject}'. Assertion Audience: '${audience}'. ${WIF_DOCS}`,
    ),
  invalidScope: (scope: string) =>
    failure(70011, 'invalid_scope', `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`),
  // Both worded as in real answers quoted in public issues (e.g. databricks-sql-nodejs#226, msal-js#523).
  scopeWithoutDefault: (scope: string) =>
    failure(
      1002012,
      'invalid_scope',
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  scopeWithSeveralResources: (scope: string) =>
    failure(
      700022,
      'invalid_scope',
      `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scope} is not valid.`,
    ),
  resourceNotFound: (resource: string, tenant: string) =>
    failure(
      500011,
      'invalid_resource',
      `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
  // Not in protocols.md's table: Entra answers AADSTS501051 (invalid_grant) when the API's service principal
  // requires app role assignment and the caller holds none (documented in docs.nais.io's Azure AD troubleshooting page).
  notAssignedToRole: (clientId: string, callerName: string, resource: string, apiName: string) =>
    failure(501051, 'invalid_grant', `Application '${clientId}'(${callerName}) is not assigned to a role for the application '${resource}'(${apiName}).`),
  // 5xx bodies are approximations: no primary source gives Entra's exact wording [uncertain].
  serverError: () => ({ status: 500, error: 'server_error', code: 50000, message: 'There was an error issuing a token or an issue with our sign-in service.' }),
  temporarilyUnavailable: () => ({ status: 503, error: 'temporarily_unavailable', code: 90033, message: 'A transient error has occurred. Please try again.' }),
} satisfies Record<string, (...args: never[]) => AadstsFailure>;

export interface ErrorContext {
  readonly now: number;
  readonly traceId: string;
  readonly correlationId: string;
  /** Authority host, for `error_uri`. */
  readonly authorityHost: string;
}

/** The JSON body Entra sends with a failure. */
export function aadstsBody(failure: AadstsFailure, context: ErrorContext): Record<string, unknown> {
  const timestamp = entraTimestamp(context.now);
  return {
    error: failure.error,
    error_description: `AADSTS${failure.code}: ${failure.message}\r\nTrace ID: ${context.traceId}\r\nCorrelation ID: ${context.correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [failure.code],
    timestamp,
    trace_id: context.traceId,
    correlation_id: context.correlationId,
    error_uri: `${context.authorityHost}/error?code=${failure.code}`,
  };
}

/** `2024-03-01 07:41:07Z`, Entra's timestamp format. */
export function entraTimestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Thrown inside the emulator to end a token request with an Entra failure. */
export class AadstsError extends Error {
  readonly failure: AadstsFailure;

  constructor(failure: AadstsFailure) {
    super(`AADSTS${failure.code}: ${failure.message}`);
    this.name = 'AadstsError';
    this.failure = failure;
  }
}
