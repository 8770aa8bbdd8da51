import { GuardError } from '../errors';

/** The parts of a synthesized Terraform JSON configuration (cdk.tf.json) the loaders read. */
export interface TerraformJson {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly variable?: Record<string, { readonly default?: unknown }>;
  readonly locals?: Record<string, unknown>;
}

/** Where a value sits in the stack (`TYPE.NAME` and the attribute's dotted path), for error messages. */
export interface ValueSite {
  readonly resource: string;
  readonly attribute: string;
}

/**
 * A `${…}` expression in a synthesized stack that cannot be resolved offline.
 * The message names the resource, the attribute and the expression.
 */
export class UnresolvedReferenceError extends GuardError {
  readonly resource: string;
  readonly attribute: string;
  readonly expression: string;

  constructor(resource: string, attribute: string, expression: string, why: string) {
    super('ERR_UNRESOLVED_REFERENCE', `${resource}.${attribute}: cannot resolve ${JSON.stringify(expression)} (${why})`);
    this.resource = resource;
    this.attribute = attribute;
    this.expression = expression;
  }
}

/** `data.`-less or `data.` TYPE.NAME.ATTRIBUTE, with an optional map key (`["key"]` or `lookup(…, "key")`). */
export interface AttributeReference {
  readonly kind: 'attribute';
  readonly data: boolean;
  readonly type: string;
  readonly name: string;
  readonly attribute: string;
  readonly key?: string;
}

/** The expressions knowable before apply: `var.NAME`, `local.NAME`, `path.module|root|cwd` and attribute references. */
export type Reference =
  { readonly kind: 'variable'; readonly name: string } | { readonly kind: 'local'; readonly name: string } | { readonly kind: 'path' } | AttributeReference;

const VARIABLE = /^var\.([A-Za-z_][\w-]*)$/;
const LOCAL = /^local\.([A-Za-z_][\w-]*)$/;
const PATH = /^path\.(?:module|root|cwd)$/;
const ATTRIBUTE = /^(data\.)?([A-Za-z][\w]*)\.([\w-]+)\.([A-Za-z_][\w]*)(?:\[\s*"([^"]*)"\s*\])?$/;
// cdktf writes map lookups either as x.y.z["key"] or as lookup(x.y.z, "key").
const LOOKUP = /^lookup\(\s*((?:data\.)?[A-Za-z][\w]*\.[\w-]+\.[A-Za-z_][\w]*)\s*,\s*"([^"]*)"\s*\)$/;
// Terraform's own namespaces: `var.a.b` or `each.value.x` are not resources.
const NOT_RESOURCE_TYPES = new Set(['var', 'local', 'path', 'module', 'each', 'count', 'self', 'terraform']);

/** The reference inside one `${…}`, or undefined for anything else (function calls, operators). */
export function parseReference(body: string): Reference | undefined {
  const trimmed = body.trim();
  const variable = VARIABLE.exec(trimmed);
  if (variable) return { kind: 'variable', name: variable[1] as string };
  const local = LOCAL.exec(trimmed);
  if (local) return { kind: 'local', name: local[1] as string };
  if (PATH.test(trimmed)) return { kind: 'path' };
  const lookup = LOOKUP.exec(trimmed);
  const match = ATTRIBUTE.exec(lookup ? `${lookup[1] as string}["${lookup[2] as string}"]` : trimmed);
  if (!match || NOT_RESOURCE_TYPES.has(match[2] as string)) return undefined;
  const [, data, type, name, attribute, key] = match as unknown as [string, string | undefined, string, string, string, string | undefined];
  return { kind: 'attribute', data: data !== undefined, type, name, attribute, ...(key !== undefined ? { key } : {}) };
}

export interface ResolverOptions {
  /** Values for the stack's `variable` blocks; missing ones fall back to their `default`. */
  readonly variables?: Readonly<Record<string, unknown>>;
  /** What `path.module`, `path.root` and `path.cwd` stand for. @default they cannot be resolved */
  readonly stackDir?: string;
  /**
   * Attributes the provider computes at apply time that the caller stands in for (the Entra loader
   * derives ids); undefined hands the reference to the literal lookup. @default none
   */
  readonly computed?: (reference: AttributeReference) => unknown;
  /** Names the forms this caller resolves, for an expression it cannot read. */
  readonly supported?: string;
}

const DEFAULT_SUPPORTED = 'only var.*, local.*, path.module and TYPE.NAME.ATTR references can be resolved offline';

/**
 * Resolves the Terraform interpolations (`${…}`, as cdktf writes them) that are knowable before
 * apply: variables (given value, else the default), locals, `path.module`, attributes the caller
 * computes, and attributes set literally in the referenced block. `$${` and `%%{` are Terraform's
 * escapes for a literal `${` and `%{`. Anything else (computed attributes, function calls, template
 * directives, cycles) throws an {@link UnresolvedReferenceError}.
 */
export class TerraformResolver {
  private readonly resolving = new Set<string>();
  private readonly variables: Readonly<Record<string, unknown>>;

  constructor(
    private readonly config: TerraformJson,
    private readonly options: ResolverOptions = {},
  ) {
    this.variables = options.variables ?? {};
  }

  /** Resolves every string inside `value` (objects and lists included; cdktf's `//` metadata is dropped). */
  resolve(value: unknown, site: ValueSite): unknown {
    if (typeof value === 'string') return this.resolveString(value, site);
    if (Array.isArray(value)) return value.map((item, index) => this.resolve(item, { resource: site.resource, attribute: `${site.attribute}[${index}]` }));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value))
        if (key !== '//') out[key] = this.resolve(item, { resource: site.resource, attribute: `${site.attribute}.${key}` });
      return out;
    }
    return value;
  }

  /** A string with its interpolations resolved; a lone `${…}` keeps the referenced value's type (a list stays a list). */
  resolveString(text: string, site: ValueSite): unknown {
    if (text.startsWith('${') && closingBrace(text, 2) === text.length - 1) return this.evaluate(text, site);
    let out = '';
    let i = 0;
    while (i < text.length) {
      if (text.startsWith('$${', i) || text.startsWith('%%{', i)) {
        out += text.slice(i + 1, i + 3);
        i += 3;
      } else if (text.startsWith('%{', i)) {
        throw new UnresolvedReferenceError(site.resource, site.attribute, text, 'template directives are not supported offline');
      } else if (text.startsWith('${', i)) {
        const end = closingBrace(text, i + 2);
        if (end === -1) throw new UnresolvedReferenceError(site.resource, site.attribute, text.slice(i), this.options.supported ?? DEFAULT_SUPPORTED);
        const expression = text.slice(i, end + 1);
        const value = this.evaluate(expression, site);
        if (typeof value === 'object' && value !== null)
          throw new UnresolvedReferenceError(site.resource, site.attribute, expression, 'it is not a single value');
        out += String(value);
        i = end + 1;
      } else {
        out += text[i];
        i += 1;
      }
    }
    return out;
  }

  /** One `${…}` expression, braces included. */
  private evaluate(expression: string, site: ValueSite): unknown {
    const fail = (why: string): never => {
      throw new UnresolvedReferenceError(site.resource, site.attribute, expression, why);
    };
    const reference = parseReference(expression.slice(2, -1));
    if (!reference) return fail(this.options.supported ?? DEFAULT_SUPPORTED);
    switch (reference.kind) {
      case 'variable': {
        const { name } = reference;
        if (this.variables[name] !== undefined) return this.variables[name];
        const declared = this.config.variable?.[name];
        if (!declared) return fail(`no variable "${name}" is declared in the stack`);
        if (declared.default === undefined) return fail(`variable "${name}" has no value and no default; pass it in options.variables`);
        return declared.default;
      }
      case 'path':
        return this.options.stackDir ?? fail('path.* is not known here');
      case 'local': {
        const { name } = reference;
        if (!this.config.locals || !(name in this.config.locals)) return fail(`no local "${name}" is declared in the stack`);
        return this.guarded(`local.${name}`, fail, () => this.resolve(this.config.locals?.[name], { resource: 'locals', attribute: name }));
      }
      case 'attribute':
        return this.attribute(reference, fail);
    }
  }

  private attribute(reference: AttributeReference, fail: (why: string) => never): unknown {
    const { data, type, name, attribute, key } = reference;
    const label = `${data ? 'data.' : ''}${type}.${name}`;
    const path = `${label}.${attribute}${key === undefined ? '' : `["${key}"]`}`;
    return this.guarded(path, fail, () => {
      const computed = this.options.computed?.(reference);
      if (computed !== undefined) return computed;
      const block = (data ? this.config.data : this.config.resource)?.[type]?.[name];
      if (!block) return fail(`no ${label} in the stack`);
      if (!(attribute in block)) return fail(`${label}.${attribute} is computed by the provider at apply time`);
      const value = this.resolve(block[attribute], { resource: label, attribute });
      if (key === undefined) return value;
      const map = singleBlock(value);
      return map && key in map ? map[key] : fail(`${label}.${attribute} has no key "${key}"`);
    });
  }

  private guarded(key: string, fail: (why: string) => never, run: () => unknown): unknown {
    if (this.resolving.has(key)) return fail(`${key} refers to itself`);
    this.resolving.add(key);
    try {
      return run();
    } finally {
      this.resolving.delete(key);
    }
  }
}

/** The index of the `}` closing an interpolation that starts at `from`, or -1 (unclosed, or nested braces we do not evaluate). */
function closingBrace(text: string, from: number): number {
  let quoted = false;
  for (let i = from; i < text.length; i += 1) {
    const char = text[i];
    if (char === '\\' && quoted) i += 1;
    else if (char === '"') quoted = !quoted;
    else if (char === '}' && !quoted) return i;
    else if (char === '{' && !quoted) return -1;
  }
  return -1;
}

/** Nested blocks arrive as an object or a one-element array, depending on the synthesizer. */
export function singleBlock(value: unknown): Record<string, unknown> | undefined {
  const item = Array.isArray(value) ? value[0] : value;
  return item !== null && typeof item === 'object' && !Array.isArray(item) ? (item as Record<string, unknown>) : undefined;
}

/** The logical name in `${TYPE.NAME.ATTR}` when `text` is exactly that reference, for one of `attrs`. */
export function referencedName(text: unknown, type: string, attrs: readonly string[]): string | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^\$\{([A-Za-z][\w]*)\.([\w-]+)\.([A-Za-z_][\w]*)\}$/.exec(text.trim());
  return match && match[1] === type && attrs.includes(match[3] as string) ? (match[2] as string) : undefined;
}
