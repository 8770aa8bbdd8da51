import { GuardError } from '../../errors';

/**
 * A `${…}` reference in the identity stack that the loader cannot resolve. Same `code` and fields as the
 * gateway loader's UnresolvedReferenceError; a distinct name so both folders can be re-exported together.
 */
export class IdentityReferenceError extends GuardError {
  readonly resource: string;
  readonly attribute: string;
  readonly expression: string;

  constructor(resource: string, attribute: string, expression: string, expected: string) {
    super('ERR_UNRESOLVED_REFERENCE', `${resource}.${attribute}: cannot resolve ${JSON.stringify(expression)}; expected ${expected}`);
    this.resource = resource;
    this.attribute = attribute;
    this.expression = expression;
  }
}

/** The synthesized stack is not shaped as the loader needs (missing attribute, wrong type). */
export class IdentityStackError extends GuardError {
  constructor(message: string) {
    super('ERR_INVALID_IDENTITY_STACK', message);
  }
}

/** A parsed reference: `var.NAME`, or `TYPE.NAME.ATTRIBUTE` with an optional `["key"]`. */
export type Reference =
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'attribute'; readonly type: string; readonly name: string; readonly attribute: string; readonly key?: string };

/** Where a value sits in the stack, for error messages. */
export interface ValueSite {
  readonly resource: string;
  readonly attribute: string;
}

export type ReferenceResolver = (reference: Reference, site: ValueSite, expression: string) => string;

export const SUPPORTED_REFERENCES =
  'a literal, var.<name> with a value, or a reference to this stack such as azuread_application.<name>.client_id|object_id|id, azuread_service_principal.<name>.object_id|client_id';

const VARIABLE = /^var\.([A-Za-z_][A-Za-z0-9_-]*)$/;
const ATTRIBUTE = /^([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)\.([a-z_][a-z0-9_]*)(?:\[\s*"([^"]*)"\s*\])?$/;
// cdktf writes map lookups either as x.y.z["key"] or as lookup(x.y.z, "key").
const LOOKUP = /^lookup\(\s*([a-z][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_-]*\.[a-z_][a-z0-9_]*)\s*,\s*"([^"]*)"\s*\)$/;

export function parseReference(body: string): Reference | undefined {
  const trimmed = body.trim();
  const variable = VARIABLE.exec(trimmed);
  if (variable) return { kind: 'variable', name: variable[1]! };
  const lookup = LOOKUP.exec(trimmed);
  const attribute = ATTRIBUTE.exec(lookup ? `${lookup[1]!}["${lookup[2]!}"]` : trimmed);
  if (!attribute) return undefined;
  const [, type, name, attr, key] = attribute;
  return key === undefined ? { kind: 'attribute', type: type!, name: name!, attribute: attr! } : { kind: 'attribute', type: type!, name: name!, attribute: attr!, key };
}

/**
 * Replaces every `${…}` in a string (Terraform interpolation, as cdktf writes it) using `resolve`;
 * `$${` is Terraform's escape for a literal `${`. Function calls and expressions are refused.
 */
export function interpolate(value: string, site: ValueSite, resolve: ReferenceResolver): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    if (value.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!value.startsWith('${', i)) {
      out += value[i];
      i += 1;
      continue;
    }
    const end = closingBrace(value, i + 2);
    const expression = value.slice(i, end === -1 ? value.length : end + 1);
    const reference = end === -1 ? undefined : parseReference(value.slice(i + 2, end));
    if (!reference) throw new IdentityReferenceError(site.resource, site.attribute, expression, SUPPORTED_REFERENCES);
    out += resolve(reference, site, expression);
    i = end + 1;
  }
  return out;
}

function closingBrace(value: string, from: number): number {
  let quoted = false;
  for (let i = from; i < value.length; i += 1) {
    const char = value[i];
    if (char === '\\' && quoted) i += 1;
    else if (char === '"') quoted = !quoted;
    else if (char === '}' && !quoted) return i;
    else if (char === '{' && !quoted) return -1; // nested braces: an expression we do not evaluate
  }
  return -1;
}
