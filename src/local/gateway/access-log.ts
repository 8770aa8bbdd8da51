/**
 * One JSON line per request, shaped like an HTTP API access-log format built from `$context`
 * variables (requestId, routeKey, status, authorizer error, integration latency). Claims and
 * tokens are never logged.
 */
export interface AccessLogRecord {
  readonly requestId: string;
  readonly ip: string;
  readonly requestTime: string;
  readonly httpMethod: string;
  readonly path: string;
  /** `-` when no route matched. */
  readonly routeKey: string;
  readonly status: number;
  readonly protocol: string;
  readonly responseLength: number;
  /** Milliseconds spent in the integration, `-` when none ran. */
  readonly integrationLatency: number | '-';
  readonly integrationStatus: number | '-';
  /** Why the authorizer refused, `-` when it did not. */
  readonly authorizerError: string;
  readonly integrationError: string;
}

export function formatAccessLog(record: AccessLogRecord): string {
  return JSON.stringify(record);
}

/** Keeps the latest `limit` lines in memory for tests and the CLI. */
export class AccessLogBuffer {
  private readonly kept: string[] = [];

  constructor(
    private readonly limit: number,
    private readonly sink?: (line: string) => void,
  ) {}

  push(record: AccessLogRecord): void {
    const line = formatAccessLog(record);
    this.kept.push(line);
    // Trim in batches: splicing the head of a long array on every request is O(n) per request.
    if (this.kept.length >= this.limit * 2 + 16) this.kept.splice(0, this.kept.length - this.limit);
    this.sink?.(line);
  }

  /** The latest `limit` lines, oldest first (a copy). */
  get lines(): string[] {
    return this.kept.length > this.limit ? this.kept.slice(-this.limit) : [...this.kept];
  }
}
