import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { GuardError, InvalidInputError, errorMessage } from '../../errors';
import { retry, type RetryOptions } from '../../token/retry';
import { RequestSlots } from '../request-slots';

export interface ControlPlaneOptions {
  /**
   * @default the SDK's region chain (AWS_REGION, the shared config file's profile)
   */
  readonly region?: string;
  /** @default the SDK's endpoint chain: AWS_ENDPOINT_URL_APIGATEWAYV2, AWS_ENDPOINT_URL, else AWS's own */
  readonly endpoint?: string;
  /** @default the SDK's default credential chain */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /**
   * Calls in flight at once. It halves on each TooManyRequestsException and grows back by one after
   * as many successes in a row (additive increase, multiplicative decrease). @default 8
   */
  readonly concurrency?: number;
  /** Back-off of throttled and failed calls (the one retry helper). */
  readonly retry?: Partial<Pick<RetryOptions, 'maxAttempts' | 'baseMs' | 'capMs' | 'attemptTimeoutMs' | 'deadlineMs' | 'sleep'>>;
  /** How the caller spells its settings, for one-line errors. @default the CLI's flags */
  readonly names?: ControlPlaneNames;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
  /** An existing client (tests, benchmarks); then region, endpoint and credentials are its own. */
  readonly client?: ApiGatewayV2Client;
}

export interface ControlPlaneNames {
  readonly apiId: string;
  readonly region: string;
  readonly stage: string;
}

export const CLI_CONTROL_PLANE_NAMES: ControlPlaneNames = { apiId: '--api-id', region: '--region', stage: '--stage' };

/** Errors AWS answers when a caller sends too much; retried with back-off, and they shrink the concurrency. */
const THROTTLED = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'ThrottledException', 'RequestLimitExceeded']);
const TRANSIENT_NETWORK = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ERR_ATTEMPT_TIMEOUT', 'TimeoutError']);

/**
 * The API Gateway v2 control plane, read with bounded concurrency and adaptive back-off. The SDK's own
 * retries are off (maxAttempts 1): every call goes through the project's one retry helper, and a
 * throttled call gives its slot back while it waits.
 */
export class ControlPlane {
  readonly client: ApiGatewayV2Client;
  readonly names: ControlPlaneNames;
  private readonly ownsClient: boolean;
  private readonly slots: RequestSlots;
  private readonly maxConcurrency: number;
  private successes = 0;
  private throttledCalls = 0;
  private readonly options: ControlPlaneOptions;

  constructor(options: ControlPlaneOptions = {}) {
    this.options = options;
    this.names = options.names ?? CLI_CONTROL_PLANE_NAMES;
    this.ownsClient = options.client === undefined;
    this.client =
      options.client ??
      new ApiGatewayV2Client({
        maxAttempts: 1,
        ...(options.region !== undefined ? { region: options.region } : {}),
        ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      });
    this.maxConcurrency = Math.max(1, options.concurrency ?? 8);
    this.slots = new RequestSlots(this.maxConcurrency);
  }

  /** How many calls were throttled (TooManyRequestsException) and retried. */
  get throttled(): number {
    return this.throttledCalls;
  }

  /** Whether the caller stopped it (Ctrl-C): a reader then stops too instead of listing an error. */
  get aborted(): boolean {
    return this.options.signal?.aborted ?? false;
  }

  /** Calls allowed in flight now (shrinks under throttling). */
  get concurrency(): number {
    return this.slots.limit;
  }

  /** The region the client resolved (the SDK's chain when none was given). */
  async region(): Promise<string> {
    try {
      return await this.client.config.region();
    } catch (error) {
      throw translateAwsError(error, 'region', this.names);
    }
  }

  /**
   * One control-plane call: waits for a slot, retries throttling, 5xx and transient network errors with
   * jittered back-off until the deadline, and turns whatever is left into one line (a GuardError).
   */
  async call<T>(label: string, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const settings = this.options.retry ?? {};
    try {
      return await retry(
        async (signal) => {
          const release = await this.slots.acquire(signal);
          try {
            const value = await send(signal);
            this.succeeded();
            return value;
          } catch (error) {
            if (isThrottled(error)) this.backOff();
            throw error;
          } finally {
            release();
          }
        },
        {
          label,
          isRetryable: isRetryableAwsError,
          maxAttempts: settings.maxAttempts ?? 8,
          baseMs: settings.baseMs ?? 200,
          capMs: settings.capMs ?? 5000,
          attemptTimeoutMs: settings.attemptTimeoutMs ?? 30_000,
          deadlineMs: settings.deadlineMs ?? 120_000,
          ...(settings.sleep ? { sleep: settings.sleep } : {}),
          ...(this.options.signal ? { signal: this.options.signal } : {}),
          ...(this.options.log ? { log: quietLog(this.options.log) } : {}),
        },
      );
    } catch (error) {
      this.options.signal?.throwIfAborted();
      // The reader knows what was not found (an API id, a stage) and says so in the caller's words.
      if (isNotFound(error)) throw error;
      throw translateAwsError(error, label, this.names);
    }
  }

  close(): void {
    if (this.ownsClient) this.client.destroy();
  }

  private succeeded(): void {
    this.successes++;
    if (this.slots.limit < this.maxConcurrency && this.successes >= this.slots.limit) {
      this.successes = 0;
      this.slots.resize(this.slots.limit + 1);
    }
  }

  private backOff(): void {
    this.throttledCalls++;
    this.successes = 0;
    const next = Math.max(1, Math.floor(this.slots.limit / 2));
    if (next < this.slots.limit) {
      this.slots.resize(next);
      this.options.log?.(`control plane: throttled (TooManyRequestsException); ${next} call${next === 1 ? '' : 's'} in flight from now on`);
    }
  }
}

/** Only the lines that say something: retries and give-ups, not every success. */
function quietLog(log: (line: string) => void): (line: string) => void {
  return (line) => {
    if (!/succeeded in \d+ ms$/.test(line) || !/attempt 1\//.test(line)) log(line);
  };
}

function awsName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

function awsStatus(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

export function isThrottled(error: unknown): boolean {
  return THROTTLED.has(awsName(error) ?? '') || awsStatus(error) === 429;
}

/** Throttling, 5xx and transient network failures; never a 4xx such as AccessDenied or NotFound. */
export function isRetryableAwsError(error: unknown): boolean {
  if (isThrottled(error)) return true;
  const status = awsStatus(error);
  if (status !== undefined) return status >= 500;
  const code = (error as { code?: unknown } | null)?.code;
  return TRANSIENT_NETWORK.has(awsName(error) ?? '') || (typeof code === 'string' && TRANSIENT_NETWORK.has(code));
}

/** An AWS SDK failure as one line: the setting to change for a user's mistake, the operation otherwise. */
export function translateAwsError(error: unknown, label: string, names: ControlPlaneNames): Error {
  if (error instanceof GuardError) return error;
  const name = awsName(error) ?? '';
  const message = errorMessage(error).split('\n')[0]!;
  if (/region is missing|region not accepted: region=""/i.test(message)) {
    return new InvalidInputError(names.region, '', 'an AWS region such as eu-west-1 (or set AWS_REGION)');
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return new GuardError(
      'ERR_AWS_CREDENTIALS',
      `${label}: no AWS credentials found by the SDK's default chain; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or use aws-actions/configure-aws-credentials on GitHub`,
    );
  }
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException' || name === 'InvalidSignatureException' || awsStatus(error) === 403) {
    return new GuardError(
      'ERR_AWS_ACCESS_DENIED',
      `${label}: AWS refused the call (${name || '403'}: ${message}); the caller needs apigateway:GET on arn:aws:apigateway:<region>::/apis/*`,
    );
  }
  if (isThrottled(error))
    return new GuardError('ERR_AWS_THROTTLED', `${label}: still throttled by AWS (${name}) after backing off; run again later or lower the concurrency`);
  return new GuardError('ERR_CONTROL_PLANE', `${label}: ${name ? `${name}: ` : ''}${message}`);
}

export function isNotFound(error: unknown): boolean {
  return awsName(error) === 'NotFoundException' || awsStatus(error) === 404;
}
