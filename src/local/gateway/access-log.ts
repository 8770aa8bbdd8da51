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
  readonly lines: string[] = [];

  constructor(private readonly limit: number, private readonly sink?: (line: string) => void) {}

  push(record: AccessLogRecord): void {
    const line = formatAccessLog(record);
    this.lines.push(line);
    if (this.lines.length > this.limit) this.lines.splice(0, this.lines.length - this.limit);
    this.sink?.(line);
  }
}
