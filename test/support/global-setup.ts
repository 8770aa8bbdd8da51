// jest globalSetup: everything a run needs once, before any worker starts (workers inherit
// process.env as it is when they start, so what is prepared here reaches every test file).
import { buildOnce, prepareCdktfCli, prepareNode24, prepareProviderMirror } from './prepare';

// A plain CommonJS file (the reliability config runs it as its globalSetup directly), without types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const guardCheckout: () => void = require('./checkout-guard-setup');

export default function globalSetup(): void {
  guardCheckout();
  buildOnce();
  const mirror = prepareProviderMirror(process.env);
  prepareNode24(process.env);
  prepareCdktfCli(process.env);
  if (!mirror.startsWith('aws provider mirror: ')) process.stderr.write(`\n${mirror}\n`);
}
