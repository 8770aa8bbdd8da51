import { createSign, KeyObject, randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { exportJWK, generateKeyPair } from 'jose';
import type { AttackerKeys } from './types';

let pending: Promise<AttackerKeys> | undefined;

/** The attacker's RSA key and its self-signed certificate; made once per process (RSA generation is the slow part). */
export function attackerKeys(): Promise<AttackerKeys> {
  pending ??= makeAttackerKeys().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

/** Starts making the attacker keys early, so the first gate run does not wait for them. */
export function warmUpAttackerKeys(): void {
  void attackerKeys().catch(() => undefined);
}

async function makeAttackerKeys(): Promise<AttackerKeys> {
  // jose generates Web Crypto keys; node:crypto signs the certificate, so both halves become KeyObjects.
  const pair = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const privateKey = KeyObject.from(pair.privateKey);
  const publicKey = KeyObject.from(pair.publicKey);
  const { kty, n, e } = await exportJWK(publicKey);
  return { privateKey, publicJwk: { kty, n, e }, certificateDer: selfSignedCertificate(privateKey, publicKey) };
}

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';

/**
 * A self-signed X.509 certificate for the attacker key (for the `x5c` attack). node:crypto can read
 * certificates but not make them, so the ASN.1 structure comes from @peculiar/asn1-x509 and node signs it.
 */
export function selfSignedCertificate(privateKey: KeyObject, publicKey: KeyObject, nowMs = Date.now()): Uint8Array {
  const algorithm = new AlgorithmIdentifier({ algorithm: SHA256_WITH_RSA, parameters: null });
  const name = new Name([
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type: COMMON_NAME, value: new AttributeValue({ utf8String: 'entra-api-guard attacker (never trust)' }) }),
    ]),
  ]);
  const serial = randomBytes(8);
  serial[0]! &= 0x7f; // a positive INTEGER
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(serial),
    signature: algorithm,
    issuer: name,
    subject: name,
    validity: new Validity({ notBefore: new Date(nowMs - 60_000), notAfter: new Date(nowMs + 24 * 3600_000) }),
    subjectPublicKeyInfo: AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
  });
  const signature = createSign('sha256')
    .update(Buffer.from(AsnConvert.serialize(tbs)))
    .sign(privateKey);
  return new Uint8Array(
    AsnConvert.serialize(new Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: toArrayBuffer(signature) })),
  );
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
