import { InvalidInputError } from '../errors';
import { parseClaimsMatchingExpression } from './claims-expression';

/** Entra allows at most 20 federated identity credentials per application (protocols.md §3). */
export const MAX_FEDERATED_CREDENTIALS = 20;

/** What Entra checks on an application's federated credentials, whatever declares them. */
export interface FederatedCredentialFacts {
  readonly name: string;
  readonly issuer: string;
  readonly audiences: readonly string[];
  /** Exactly one of subject / claimsMatchingExpression. */
  readonly subject?: string;
  readonly claimsMatchingExpression?: string;
}

/**
 * The limits Entra enforces on one application's federated credentials (protocols.md §3, flexible FIC
 * page): exactly one audience each, at most 20 in all, names unique, issuer + subject unique (and
 * issuer + expression for flexible ones), and every expression in the one grammar. The construct checks
 * them at synth and the Entra emulator when it loads a stack; `where` names the app in messages.
 */
export function checkFederatedCredentials(credentials: readonly FederatedCredentialFacts[], where: string): void {
  if (credentials.length > MAX_FEDERATED_CREDENTIALS) {
    throw new InvalidInputError(
      `${where}.federatedCredentials`,
      `${credentials.length} credentials`,
      `at most ${MAX_FEDERATED_CREDENTIALS} federated credentials per app (use a flexible credential with a wildcard)`,
    );
  }
  const names = new Set<string>();
  const matches = new Set<string>();
  credentials.forEach((credential, index) => {
    const key = `${where}.federatedCredentials[${index}]`;
    if (credential.audiences.length !== 1) {
      throw new InvalidInputError(`${key}.audiences`, [...credential.audiences], 'exactly one audience, e.g. ["api://AzureADTokenExchange"]');
    }
    if (names.has(credential.name)) throw new InvalidInputError(`${key}.name`, credential.name, 'a name used once per app');
    names.add(credential.name);
    const flexible = credential.claimsMatchingExpression !== undefined;
    if (flexible === (credential.subject !== undefined)) {
      throw new InvalidInputError(key, credential.name, 'exactly one of subject or claimsMatchingExpression');
    }
    if (flexible) parseClaimsMatchingExpression(credential.claimsMatchingExpression!, { issuer: credential.issuer, key: `${key}.claimsMatchingExpression` });
    const match = `${credential.issuer}\n${flexible ? `expression ${credential.claimsMatchingExpression}` : `subject ${credential.subject}`}`;
    if (matches.has(match)) {
      throw new InvalidInputError(
        flexible ? `${key}.claimsMatchingExpression` : `${key}.subject`,
        flexible ? credential.claimsMatchingExpression! : credential.subject!,
        `each ${flexible ? 'expression' : 'subject'} once per issuer (issuer + ${flexible ? 'expression' : 'subject'} must be unique; ${credential.issuer} already has it)`,
      );
    }
    matches.add(match);
  });
}
