import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, readBody, type RunningServer } from '../../../src/local/server';

/** What the proxy does with one request. */
export type ProxyAction =
  /** Pass it to the upstream and relay the answer. */
  | { readonly kind: 'forward' }
  /** Destroy the client's socket before any byte of an answer (a connection reset). */
  | { readonly kind: 'reset' }
  /** Answer this status itself, e.g. a load balancer's 503. */
  | { readonly kind: 'status'; readonly status: number }
  /** Wait, then forward. */
  | { readonly kind: 'delay'; readonly ms: number };

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  /** 1-based count of requests seen so far, this one included. */
  readonly index: number;
}

export interface FaultProxyOptions {
  /** Base URL of the real server behind the proxy, e.g. an emulator's url. */
  readonly upstream: string;
  /** Decides per request; @default forward everything */
  readonly decide?: (request: ProxiedRequest) => ProxyAction;
  /** Sees every relayed answer's body (to capture tokens a flow received, for the leak scan). */
  readonly onAnswer?: (request: ProxiedRequest, status: number, body: string) => void;
}

export interface FaultProxy extends RunningServer {
  /** Requests seen, and how many got a fault instead of the upstream's answer. */
  readonly counts: { readonly requests: number; readonly faults: number };
}

const FORWARD: ProxyAction = { kind: 'forward' };

/**
 * A loopback reverse proxy that breaks chosen requests for real: resets their connection, answers a
 * status of its own or delays them. Everything else is relayed byte for byte (headers, body).
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true });
  const counts = { requests: 0, faults: 0 };
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counts.requests += 1;
    const seen: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', index: counts.requests };
    const action = options.decide?.(seen) ?? FORWARD;
    if (action.kind === 'reset') {
      counts.faults += 1;
      req.socket.destroy();
      return;
    }
    if (action.kind === 'status') {
      counts.faults += 1;
      const body = JSON.stringify({ message: 'injected fault' });
      res.writeHead(action.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (action.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, action.ms));
    const body = await readBody(req);
    const answer = await relay(upstream, agent, req, body);
    options.onAnswer?.(seen, answer.status, answer.body.toString('utf8'));
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  };
  const server = await listen(handler);
  return {
    ...server,
    counts,
    close: async () => {
      await server.close();
      agent.destroy();
    },
  };
}

interface Relayed {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

function relay(upstream: URL, agent: Agent, req: IncomingMessage, body: string): Promise<Relayed> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: upstream.host };
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    const outgoing = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        agent,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', reject);
        answer.on('end', () => {
          const relayed: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(answer.headers)) {
            if (value !== undefined && name !== 'transfer-encoding' && name !== 'connection' && name !== 'keep-alive') relayed[name] = value;
          }
          const bytes = Buffer.concat(chunks);
          relayed['content-length'] = String(bytes.length);
          resolve({ status: answer.statusCode ?? 502, headers: relayed, body: bytes });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** The first `count` requests (optionally only those `where` picks) get `action`; the rest are forwarded. */
export function firstRequests(
  count: number,
  action: ProxyAction,
  where: (request: ProxiedRequest) => boolean = () => true,
): (request: ProxiedRequest) => ProxyAction {
  let hit = 0;
  return (request) => {
    if (!where(request) || hit >= count) return FORWARD;
    hit += 1;
    return action;
  };
}

/** Requests number `from` to `to` (1-based, inclusive) get `action`: a burst in the middle of a run. */
export function requestsBetween(from: number, to: number, action: ProxyAction): (request: ProxiedRequest) => ProxyAction {
  return (request) => (request.index >= from && request.index <= to ? action : FORWARD);
}
