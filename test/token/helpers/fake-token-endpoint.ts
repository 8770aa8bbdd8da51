import { listen, readBody, sendJson, type RunningServer } from '../../../src/local/server';

/** One scripted answer; the last one repeats. */
export type ScriptedAnswer =
  | { readonly status: number; readonly json: unknown }
  | { readonly status: number; readonly text: string }
  | { readonly aadsts: number; readonly error?: string; readonly status?: number; readonly description?: string }
  | { readonly token: string | (() => Promise<string>) }
  | { readonly hang: true };

export interface FakeTokenEndpoint extends RunningServer {
  /** `{url}/{tenant}/oauth2/v2.0/token`. */
  readonly tokenEndpoint: string;
  /** Form fields of every request, in order. */
  readonly requests: URLSearchParams[];
}

export const TENANT = '11111111-2222-3333-4444-555555555555';
/** The caller app the CLI exchanges as, in the flags below. */
export const CLIENT_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

/** `verify`'s token-exchange flags against a token endpoint on loopback (the local cloud), for the orders API's scope. */
export function localExchangeFlags(authorityHost: string, tenant = TENANT): string[] {
  return ['--cloud', 'local', '--authority-host', authorityHost, '--tenant-id', tenant, '--client-id', CLIENT_ID, '--scope', 'api://orders-api/.default'];
}

/** Entra's error body: `AADSTSnnnn: message` then Trace ID / Correlation ID / Timestamp lines. */
export function entraError(code: number, error = 'invalid_request', description = 'Entra explains the problem here.'): unknown {
  return {
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: 0d1a2b3c-0000-0000-0000-000000000001\r\nCorrelation ID: 5e6f7a8b-0000-0000-0000-000000000002\r\nTimestamp: 2026-11-25 10:00:00Z`,
    error_codes: [code],
    timestamp: '2026-11-25 10:00:00Z',
    trace_id: '0d1a2b3c-0000-0000-0000-000000000001',
    correlation_id: '5e6f7a8b-0000-0000-0000-000000000002',
  };
}

/** A token endpoint on loopback that answers from a script, shaped like Entra's. */
export async function startFakeTokenEndpoint(script: readonly ScriptedAnswer[]): Promise<FakeTokenEndpoint> {
  const requests: URLSearchParams[] = [];
  const server = await listen(async (req, res) => {
    const form = new URLSearchParams(await readBody(req));
    const answer = script[Math.min(requests.length, script.length - 1)]!;
    requests.push(form);
    if ('hang' in answer) return; // never answers
    if ('token' in answer) {
      const token = typeof answer.token === 'string' ? answer.token : await answer.token();
      return sendJson(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
    }
    if ('aadsts' in answer) return sendJson(res, answer.status ?? 400, entraError(answer.aadsts, answer.error, answer.description));
    if ('json' in answer) return sendJson(res, answer.status, answer.json);
    res.writeHead(answer.status, { 'content-type': 'text/html' });
    res.end(answer.text);
  });
  return { ...server, close: () => server.close(), tokenEndpoint: `${server.url}/${TENANT}/oauth2/v2.0/token`, requests };
}
