import { createHash } from 'node:crypto';

/** Our namespace for name-based UUIDs (RFC 9562 v5); changing it would churn every role id. */
const NAMESPACE = 'a7c2f0e4-5b1d-4c8e-9f3a-6d2b8e1c4f70';

/**
 * A UUID derived from names only (RFC 9562 version 5), so app role and scope ids stay the same on
 * every synth: Graph refuses to change the id of an enabled role, so a random id would break applies.
 */
export function stableUuid(...names: string[]): string {
  const hash = createHash('sha1')
    .update(Buffer.from(NAMESPACE.replace(/-/g, ''), 'hex'))
    .update(names.join('\u0000'), 'utf8')
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
