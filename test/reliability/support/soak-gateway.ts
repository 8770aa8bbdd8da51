// Child process of the soak: the gateway emulator alone in its own process, so the memory sampled
// is the gateway's and not the load generator's. Bundled with esbuild and started with fork() by
// soak.reliability.ts; reports { ready, url }, then { memory } every second, stops on 'stop'.
import { startGateway } from '../../../src/local/gateway';

const issuer = process.env['SOAK_ISSUER'];
const audience = process.env['SOAK_AUDIENCE'];
if (!issuer || !audience || !process.send) throw new TypeError('soak-gateway: run me with fork() and SOAK_ISSUER, SOAK_AUDIENCE set');
const send = process.send.bind(process);

void (async () => {
  const gateway = await startGateway({
    definition: {
      authorizers: [{ id: 'jwt', issuer, audiences: [audience] }],
      routes: [{ routeKey: 'GET /orders', authorizationType: 'JWT', authorizerId: 'jwt' }, { routeKey: 'GET /health' }],
    },
  });
  const started = Date.now();
  const sample = (): void => {
    const { rss, heapUsed } = process.memoryUsage();
    send({ type: 'memory', atMs: Date.now() - started, rss, heapUsed });
  };
  const timer = setInterval(sample, 1000);
  send({ type: 'ready', url: gateway.url });
  sample();
  process.on('message', (message) => {
    if (message !== 'stop') return;
    clearInterval(timer);
    void gateway.close().then(() => process.exit(0));
  });
  // The parent went away (a crashed test run): never outlive it.
  process.on('disconnect', () => process.exit(0));
})();
