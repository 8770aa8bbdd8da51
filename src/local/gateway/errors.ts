import { GuardError } from '../../errors';

/** A gateway definition (hand-written, from a stack or from AWS) that cannot be emulated. */
export class GatewayDefinitionError extends GuardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_GATEWAY_DEFINITION', message, options);
  }
}

/** A Lambda package that cannot be read or whose handler cannot be loaded. */
export class LambdaLoadError extends GuardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_LAMBDA_LOAD', message, options);
  }
}
