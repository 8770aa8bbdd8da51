/** The one resolver for Terraform `${…}` expressions, shared by the Entra and gateway stack loaders. */
import { TerraformResolver, UnresolvedReferenceError, parseReference, type TerraformJson } from '../../src/local/tf-resolver';

const config: TerraformJson = {
  variable: { name: { default: 'orders' }, list: { default: ['a', 'b'] }, bare: {} },
  locals: { prefix: 'api-${var.name}', loop: '${local.loop}' },
  resource: {
    aws_lambda_function: { fn: { function_name: '${local.prefix}-fn', tags: { team: 'core' } } },
    aws_iam_role: { r: { name: '${aws_iam_role.r.name}' } },
  },
  data: { aws_region: { here: { name: 'eu-west-1' } } },
};
const site = { resource: 'test.site', attribute: 'value' };
const resolver = (options = {}) => new TerraformResolver(config, { stackDir: '/stack', ...options });
const errorOf = (run: () => unknown): UnresolvedReferenceError => {
  try {
    run();
  } catch (error) {
    if (error instanceof UnresolvedReferenceError) return error;
    throw error;
  }
  throw new Error('expected an UnresolvedReferenceError');
};

describe('TerraformResolver', () => {
  test('variables, locals, path.module, literal and data attributes, map keys in both spellings', () => {
    const r = resolver({ variables: { name: 'given' } });
    expect(r.resolveString('${var.name}', site)).toBe('given');
    expect(resolver().resolveString('${var.name}', site)).toBe('orders');
    expect(r.resolveString('${aws_lambda_function.fn.function_name}', site)).toBe('api-given-fn');
    expect(r.resolveString('${path.module}/x.zip', site)).toBe('/stack/x.zip');
    expect(r.resolveString('${data.aws_region.here.name}', site)).toBe('eu-west-1');
    expect(r.resolveString('${aws_lambda_function.fn.tags["team"]}', site)).toBe('core');
    expect(r.resolveString('${lookup(aws_lambda_function.fn.tags, "team")}', site)).toBe('core');
  });

  test('a lone interpolation keeps its type; inside text a list is refused', () => {
    expect(resolver().resolveString('${var.list}', site)).toEqual(['a', 'b']);
    expect(errorOf(() => resolver().resolveString('x-${var.list}', site)).message).toBe(
      'test.site.value: cannot resolve "${var.list}" (it is not a single value)',
    );
  });

  test('$${ and %%{ are literal; a template directive is refused', () => {
    expect(resolver().resolveString('$${var.name} %%{x} ${var.name}', site)).toBe('${var.name} %{x} orders');
    expect(errorOf(() => resolver().resolveString('%{ if true }x%{ endif }', site)).message).toContain('(template directives are not supported offline)');
  });

  test('a closing brace inside quotes does not end the expression', () => {
    const error = errorOf(() => resolver().resolveString('${lookup(aws_lambda_function.fn.tags, "}")}', site));
    expect(error.expression).toBe('${lookup(aws_lambda_function.fn.tags, "}")}');
    expect(error.message).toContain('has no key "}"');
  });

  test.each([
    ['${var.bare}', 'variable "bare" has no value and no default; pass it in options.variables'],
    ['${var.none}', 'no variable "none" is declared in the stack'],
    ['${aws_iam_role.r.arn}', 'aws_iam_role.r.arn is computed by the provider at apply time'],
    ['${aws_s3_bucket.b.id}', 'no aws_s3_bucket.b in the stack'],
    ['${upper(var.name)}', 'only var.*, local.*, path.module and TYPE.NAME.ATTR references can be resolved offline'],
    ['${var.name', 'only var.*, local.*, path.module and TYPE.NAME.ATTR references can be resolved offline'],
  ])('%s → one ERR_UNRESOLVED_REFERENCE line: %s', (expression, why) => {
    const error = errorOf(() => resolver().resolveString(expression, site));
    expect(error.code).toBe('ERR_UNRESOLVED_REFERENCE');
    expect(error.message).toBe(`test.site.value: cannot resolve ${JSON.stringify(expression)} (${why})`);
  });

  test('a cycle is named where it closes', () => {
    expect(errorOf(() => resolver().resolveString('${local.loop}', site)).message).toBe(
      'locals.loop: cannot resolve "${local.loop}" (local.loop refers to itself)',
    );
    expect(errorOf(() => resolver().resolveString('${aws_iam_role.r.name}', site)).message).toBe(
      'aws_iam_role.r.name: cannot resolve "${aws_iam_role.r.name}" (aws_iam_role.r.name refers to itself)',
    );
  });

  test('computed attributes come from the caller first; `supported` names its forms', () => {
    const r = resolver({
      computed: (ref: { type: string; attribute: string }) => (ref.type === 'aws_iam_role' && ref.attribute === 'arn' ? 'arn:aws:iam::1:role/r' : undefined),
      supported: 'expected var.<name>',
    });
    expect(r.resolveString('${aws_iam_role.r.arn}', site)).toBe('arn:aws:iam::1:role/r');
    expect(errorOf(() => r.resolveString('${upper(var.name)}', site)).message).toContain('(expected var.<name>)');
  });

  test('objects and lists resolve deeply, dropping cdktf metadata', () => {
    expect(resolver().resolve({ '//': { metadata: {} }, a: ['${var.name}'], b: { c: 1 } }, site)).toEqual({ a: ['orders'], b: { c: 1 } });
  });

  test("Terraform's own namespaces are not resources", () => {
    expect(parseReference('each.value.name')).toBeUndefined();
    expect(parseReference('var.a.b')).toBeUndefined();
    expect(parseReference('data.aws_region.here.name')).toEqual({ kind: 'attribute', data: true, type: 'aws_region', name: 'here', attribute: 'name' });
  });
});
