import { GuardError } from '../../errors';

/** A gateway definition (hand-written, from a stack or from AWS) that cannot be emulated. */
export class GatewayDefinitionError extends GuardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_GATEWAY_DEFINITION', message, options);
  }
}

/**
 * A `${...}` expression in a synthesized stack that cannot be resolved offline.
 * The message names the resource, the attribute and the expression.
 */
export class UnresolvedReferenceError extends GuardError {
  readonly resource: string;
  readonly attribute: string;
  readonly expression: string;

  constructor(resource: string, attribute: string, expression: string, why: string) {
    super('ERR_UNRESOLVED_REFERENCE', `${resource}.${attribute}: cannot resolve "${expression}" (${why})`);
    this.resource = resource;
    this.attribute = attribute;
    this.expression = expression;
  }
}

/** A Lambda package that cannot be read or whose handler cannot be loaded. */
export class LambdaLoadError extends GuardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_LAMBDA_LOAD', message, options);
  }
}
