import { UnresolvedReferenceError } from './errors';

/** The parts of a synthesized Terraform JSON configuration (cdk.tf.json) the loaders read. */
export interface TerraformJson {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly variable?: Record<string, { readonly default?: unknown }>;
  readonly locals?: Record<string, unknown>;
}

export interface ResolveContext {
  readonly variables: Readonly<Record<string, unknown>>;
  readonly stackDir: string;
}

const INTERPOLATION = /\$\{([^{}]*)\}/g;

/**
 * Resolves Terraform interpolations that are knowable before apply: `${var.NAME}` (given value,
 * else the variable's default), `${local.NAME}`, `${path.module}`, and `${TYPE.NAME.ATTR}` when
 * ATTR is set literally in that resource's configuration. Anything else (computed attributes,
 * function calls) throws an {@link UnresolvedReferenceError} naming resource, attribute and expression.
 */
export class TerraformResolver {
  private readonly resolving = new Set<string>();

  constructor(private readonly config: TerraformJson, private readonly context: ResolveContext) {}

  /** Resolves every string inside `value`; `where` is `TYPE.NAME` and `attribute` its dotted path, for errors. */
  resolve(value: unknown, where: string, attribute: string): unknown {
    if (typeof value === 'string') return this.resolveString(value, where, attribute);
    if (Array.isArray(value)) return value.map((item, index) => this.resolve(item, where, `${attribute}[${index}]`));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) if (key !== '//') out[key] = this.resolve(item, where, `${attribute}.${key}`);
      return out;
    }
    return value;
  }

  resolveString(text: string, where: string, attribute: string): unknown {
    const whole = /^\$\{([^{}]*)\}$/.exec(text);
    // A lone interpolation keeps the referenced value's type (a list variable stays a list).
    if (whole) return this.evaluate((whole[1] as string).trim(), text, where, attribute);
    return text.replace(INTERPOLATION, (match, expression: string, offset: number) => {
      if (offset > 0 && text[offset - 1] === '$') return match.slice(1); // `$${x}` is a literal `${x}`
      const value = this.evaluate(expression.trim(), text, where, attribute);
      if (typeof value === 'object' && value !== null) throw new UnresolvedReferenceError(where, attribute, text, `"${expression}" is not a single value`);
      return String(value);
    }).replace(/%\{/g, () => {
      throw new UnresolvedReferenceError(where, attribute, text, 'template directives are not supported offline');
    });
  }

  private evaluate(expression: string, text: string, where: string, attribute: string): unknown {
    const fail = (why: string): never => {
      throw new UnresolvedReferenceError(where, attribute, text, why);
    };
    const variable = /^var\.([A-Za-z_][\w-]*)$/.exec(expression);
    if (variable) {
      const name = variable[1] as string;
      if (name in this.context.variables && this.context.variables[name] !== undefined) return this.context.variables[name];
      const declared = this.config.variable?.[name];
      if (!declared) return fail(`no variable "${name}" is declared in the stack`);
      if (declared.default === undefined) return fail(`variable "${name}" has no value and no default; pass it in options.variables`);
      return declared.default;
    }
    if (expression === 'path.module' || expression === 'path.root' || expression === 'path.cwd') return this.context.stackDir;
    const local = /^local\.([A-Za-z_][\w-]*)$/.exec(expression);
    if (local) {
      const name = local[1] as string;
      if (!this.config.locals || !(name in this.config.locals)) return fail(`no local "${name}" is declared in the stack`);
      return this.guarded(`local.${name}`, () => this.resolve(this.config.locals?.[name], 'locals', name), fail);
    }
    const reference = /^(data\.)?([A-Za-z][\w]*)\.([\w-]+)\.([A-Za-z_][\w]*)$/.exec(expression);
    if (!reference) return fail('only var.*, local.*, path.module and TYPE.NAME.ATTR references can be resolved offline');
    const [, isData, type, name, attr] = reference as unknown as [string, string | undefined, string, string, string];
    const block = (isData ? this.config.data : this.config.resource)?.[type]?.[name];
    const label = `${isData ? 'data.' : ''}${type}.${name}`;
    if (!block) return fail(`no ${label} in the stack`);
    if (!(attr in block)) return fail(`${label}.${attr} is computed by the provider at apply time`);
    return this.guarded(`${label}.${attr}`, () => this.resolve(block[attr], label, attr), fail);
  }

  private guarded(key: string, run: () => unknown, fail: (why: string) => never): unknown {
    if (this.resolving.has(key)) return fail(`${key} refers to itself`);
    this.resolving.add(key);
    try {
      return run();
    } finally {
      this.resolving.delete(key);
    }
  }
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
