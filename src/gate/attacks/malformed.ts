import { randomBytes } from 'node:crypto';
import { base64url } from 'jose';
import type { Attack } from './types';

const FIX = 'accept only "Bearer <JWT>" (or the raw JWT) and refuse everything else with 401';

/** Authorization values that are no token at all. */
export const MALFORMED_ATTACKS = [
  {
    code: 'bearer-without-token',
    family: 'malformed',
    title: '"Bearer" with no token',
    reference: 'RFC 6750 §3.1',
    acceptance: 'accepted "Bearer" with no token',
    fix: FIX,
    craftsHeader: true,
    craft: () => 'Bearer',
  },
  {
    code: 'garbage-token',
    family: 'malformed',
    title: 'a bearer value that is not a JWT',
    reference: 'RFC 6750 §3.1',
    acceptance: 'accepted a bearer value that is not a JWT',
    fix: FIX,
    craftsHeader: true,
    craft: () => `Bearer guard.${base64url.encode(randomBytes(24))}.probe`,
  },
  {
    code: 'basic-auth',
    family: 'malformed',
    title: 'Basic credentials instead of a bearer token',
    reference: 'RFC 7617',
    acceptance: 'accepted Basic credentials instead of a bearer token',
    fix: FIX,
    craftsHeader: true,
    craft: () => `Basic ${Buffer.from(`guard-probe:${base64url.encode(randomBytes(12))}`).toString('base64')}`,
  },
] as const satisfies readonly Attack[];
