import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { IssuerSigningKey } from '../../token/jwks-fetcher';

/** A token split into what attacks reuse; made-up claims stand in when there is no readable token. */
export interface ParsedToken {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
  /** The three compact segments of the genuine token; absent for made-up claims. */
  readonly parts?: readonly [string, string, string];
  /** The header's `kid`, or a made-up one. */
  readonly kid: string;
}

/** Keys the gate makes for itself: nothing an API should ever trust. */
export interface AttackerKeys {
  readonly privateKey: KeyObject;
  /** The public half as a JWK (no `kid`: attacks set their own). */
  readonly publicJwk: JWK;
  /** A self-signed X.509 certificate for the same key, DER. */
  readonly certificateDer: Uint8Array;
}

/** What every attack is crafted from: a function of (genuine token, JWKS key, attacker keys), never of paths. */
export interface AttackInput {
  readonly token: ParsedToken;
  readonly attacker: AttackerKeys;
  /** The issuer's public key named by the token's `kid`, when it could be fetched from the JWKS at its discovery document. */
  readonly issuerKey?: IssuerSigningKey;
  readonly nowSeconds: number;
}

export type AttackFamily =
  | 'alg-none'
  | 'signature'
  | 'key-confusion'
  | 'weak-hmac'
  | 'psychic-signature'
  | 'embedded-key'
  | 'claims'
  | 'serialization'
  | 'header-form'
  | 'malformed'
  | 'audience';

/**
 * One attack, checkov-style: a stable `code` (the probe's name in reports; never changes once
 * published), what it is, where it comes from, what its acceptance means and how to fix that.
 */
export interface Attack<C extends string = string> {
  readonly code: C;
  readonly family: AttackFamily;
  /** The attack, in a few words, e.g. `alg "None" with an empty signature`. */
  readonly title: string;
  /** A CVE, or the tool or lab that tries it. */
  readonly reference: string;
  /** One line: what a 2xx to this probe says about the API. */
  readonly acceptance: string;
  readonly fix: string;
  /** The issuer's public key is needed (key confusion); skipped with a reason when it cannot be had. */
  readonly needsIssuerKey?: true;
  /** Statuses besides the expected refusals that also count as a refusal (413/431 for an oversized header). */
  readonly alsoRefusedWith?: readonly number[];
  /**
   * The token, sent as `Bearer <token>`; or, with `craftsHeader`, the whole Authorization header value.
   * Absent for probes the token source mints (other-audience).
   */
  readonly craft?: (input: AttackInput) => string | Promise<string>;
  /** `craft` returns the whole header value (header forms, malformed values). */
  readonly craftsHeader?: true;
}

/** A request header an API must refuse (or, informational, may answer either way), and how it was made. */
export interface AttackCredential {
  /** The attack's code, or a header-form name for informational probes. */
  readonly auth: string;
  /** The full Authorization header value. Secret-derived: never log it. */
  readonly authorization: string;
  /** `informational`: the genuine token in another header form; reported, never failed on. */
  readonly role: 'negative' | 'informational';
  /** Extra statuses that count as a refusal. */
  readonly alsoRefusedWith?: readonly number[];
}

/** An attack that could not be crafted, and why (reported; never fails the gate). */
export interface SkippedAttack {
  readonly auth: string;
  readonly reason: string;
}
