// jest globalSetup of the reliability suite: the build and the aws provider, once per run, as for
// `npm test` (test/support/prepare.ts).
import { buildOnce, prepareProviderMirror } from '../../support/prepare';

export default function globalSetup(): void {
  buildOnce();
  const mirror = prepareProviderMirror(process.env);
  if (!mirror.startsWith('aws provider mirror: ')) process.stderr.write(`\n${mirror}\n`);
}
