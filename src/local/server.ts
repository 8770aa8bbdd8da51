import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A running loopback emulator. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:43117` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Stops listening and ends every open connection, idle or not. */
  close(): Promise<void>;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ListenOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number;
  /** Loopback address to bind; default 127.0.0.1. Emulators never bind other addresses. */
  readonly host?: '127.0.0.1' | '::1' | 'localhost';
  /** Largest request line + headers accepted, in bytes (node's default is 16 KiB). */
  readonly maxHeaderSize?: number;
}

/**
 * Starts an HTTP server on loopback. Handler errors answer 500 instead of crashing the process,
 * and close() destroys open sockets so tests and Ctrl-C never hang on keep-alive connections.
 */
export async function listen(handler: RequestHandler, options: ListenOptions = {}): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ maxHeaderSize: options.maxHeaderSize ?? 16 * 1024, keepAliveTimeout: 5000 }, (req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error', detail: error instanceof Error ? error.message : String(error) });
        else res.destroy();
      });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '::1' ? '[::1]' : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Reads a request body, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new RangeError(`request body larger than ${limit} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
