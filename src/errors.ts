/**
 * Errors with stable `code`s that callers switch on (the panva/jose idea).
 * A user's bad input is an {@link InvalidInputError}: its message is one line that names the input,
 * the value seen and the expected form, so CLIs and the action can print it as-is.
 */
export type GuardErrorCode = 'ERR_INVALID_INPUT' | 'ERR_UNRESOLVED_REFERENCE' | (string & {});

export class GuardError extends Error {
  readonly code: GuardErrorCode;

  constructor(code: GuardErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A value given by the user does not have the expected form. */
export class InvalidInputError extends GuardError {
  readonly key: string;
  /** The value seen, as given (the message shortens long ones). */
  readonly value: unknown;
  readonly expected: string;

  constructor(key: string, value: unknown, expected: string) {
    super('ERR_INVALID_INPUT', `${key}: got ${describeValue(value)}; expected ${expected}`);
    this.key = key;
    this.value = value;
    this.expected = expected;
  }
}

/** Shows a value in an error line: strings quoted, long values cut so a line stays a line. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** The message of anything thrown, for one-line reports. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : `unexpected error: ${describeValue(error)}`;
}
