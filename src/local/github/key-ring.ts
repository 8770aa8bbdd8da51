import { createHash, KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

/** One RS256 signing key and the public half published in a JWKS. */
export interface SigningKey {
  readonly kid: string;
  /**
   * base64url SHA-1 thumbprint. GitHub's is its signing certificate's; an offline emulator has no
   * certificate, so this is the thumbprint of the public key's DER (SPKI) [uncertain]: verifiers
   * select keys by `kid`, and nothing here compares x5t with a certificate.
   */
  readonly x5t: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: JWK;
}

/** A published JSON Web Key Set. */
export interface Jwks {
  readonly keys: JWK[];
}

export async function createSigningKey(): Promise<SigningKey> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  const privateKey = KeyObject.from(pair.privateKey);
  const publicKey = KeyObject.from(pair.publicKey);
  const jwk = await exportJWK(publicKey);
  // The RFC 7638 thumbprint makes a stable, unique kid without a counter.
  const kid = await calculateJwkThumbprint(jwk);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const x5t = createHash('sha1').update(der).digest('base64url');
  return { kid, x5t, privateKey, publicJwk: { kty: jwk.kty, use: 'sig', alg: 'RS256', kid, x5t, n: jwk.n, e: jwk.e } };
}

/**
 * The keys an issuer signs with: the newest signs, and the previous one stays published so that
 * tokens issued just before a rotation still verify (what GitHub and Entra do when they roll keys).
 */
export class KeyRing {
  private keys: SigningKey[];

  private constructor(first: SigningKey) {
    this.keys = [first];
  }

  static async create(): Promise<KeyRing> {
    return new KeyRing(await createSigningKey());
  }

  get current(): SigningKey {
    return this.keys[this.keys.length - 1]!;
  }

  /** Adds a new signing key; keeps one previous key, drops older ones. */
  async rotate(): Promise<SigningKey> {
    const next = await createSigningKey();
    this.keys = [...this.keys.slice(-1), next];
    return next;
  }

  jwks(): Jwks {
    return { keys: this.keys.map((key) => ({ ...key.publicJwk })) };
  }

  /** Signs a JWT (RS256, `typ: JWT`, `kid` and optionally `x5t` in the header) with the current key. */
  async sign(payload: JWTPayload, header: { readonly x5t?: boolean } = {}): Promise<string> {
    const key = this.current;
    const protectedHeader = header.x5t ? { typ: 'JWT', alg: 'RS256', x5t: key.x5t, kid: key.kid } : { alg: 'RS256', typ: 'JWT', kid: key.kid };
    return new SignJWT(payload).setProtectedHeader(protectedHeader).sign(key.privateKey);
  }
}
