// The fleet read backs off adaptively on TooManyRequestsException (issue [2] item 4): moto_server behind a
// loopback proxy that throttles every third call the way API Gateway does (429, x-amzn-ErrorType).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ControlPlane, readFleet } from '../../src/gate/control-plane';
import { listen, readBody, type RunningServer } from '../../src/local/server';
import { motoAvailable, startMoto, type MotoServer } from '../../src/local/moto';
import { CREDENTIALS, REGION, createApi } from './helpers/control-plane';

const moto = motoAvailable();
if (!moto) console.warn('SKIPPED control-plane throttling test: moto_server is not on PATH (pip install "moto[server]" to run it)');
const describeMoto = moto ? describe : describe.skip;

describeMoto(
  `reading a fleet under throttling (moto_server behind a throttling proxy)${moto ? '' : ' (skipped: moto_server is not on PATH; pip install "moto[server]")'}`,
  () => {
    let server: MotoServer;
    let proxy: RunningServer;
    const seen = { calls: 0, throttled: 0, inFlight: 0, maxInFlight: 0 };

    beforeAll(async () => {
      server = await startMoto();
      proxy = await listen(async (req: IncomingMessage, res: ServerResponse) => {
        seen.calls++;
        seen.inFlight++;
        seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
        try {
          const body = await readBody(req);
          if (seen.calls % 3 === 0) {
            seen.throttled++;
            res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' });
            res.end('{"message":"Too Many Requests"}');
            return;
          }
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(req.headers))
            if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers[name] = value;
          const answer = await fetch(`${server.url}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(body !== '' ? { body } : {}) });
          res.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'application/json',
            ...(answer.headers.get('x-amzn-errortype') ? { 'x-amzn-errortype': answer.headers.get('x-amzn-errortype')! } : {}),
          });
          res.end(Buffer.from(await answer.arrayBuffer()));
        } finally {
          seen.inFlight--;
        }
      });
      for (let i = 0; i < 8; i++) await createApi(server.url, { name: `fleet-${i}`, routes: [{ routeKey: 'GET /orders' }] });
    }, 60_000);

    afterAll(async () => {
      await Promise.all([proxy?.close(), server?.close()]);
    });

    test('every API is read; throttled calls are retried with back-off and halve the calls in flight', async () => {
      const lines: string[] = [];
      const plane = new ControlPlane({
        endpoint: proxy.url,
        region: REGION,
        credentials: CREDENTIALS,
        concurrency: 4,
        retry: { baseMs: 5, capMs: 50 },
        log: (line) => lines.push(line),
      });
      try {
        const entries = await readFleet(plane);
        expect(entries.filter((e) => 'error' in e)).toEqual([]);
        expect(entries.map((e) => e.name).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `fleet-${i}`));
        expect(seen.throttled).toBeGreaterThan(0);
        expect(plane.throttled).toBe(seen.throttled);
        expect(seen.maxInFlight).toBeLessThanOrEqual(4);
        expect(lines.some((l) => /^control plane: throttled \(TooManyRequestsException\); [12] calls? in flight from now on$/.test(l))).toBe(true);
        expect(lines.some((l) => /failed: .*Too Many Requests.*; retrying in \d+ ms$/.test(l))).toBe(true);
      } finally {
        plane.close();
      }
    }, 60_000);
  },
);
