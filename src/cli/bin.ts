#!/usr/bin/env node
// The edge: hands argv, env and the streams to main(), and turns Ctrl-C into an abort signal so
// long-running commands stop their emulators and child processes before exiting.
import { main } from './main';

// The AWS SDK warns on Node 20 about its releases after January 2027; this package pins its SDK
// and supports Node ≥ 20.19, so the notice would only bury the rehearsal's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const controller = new AbortController();
let interrupted = 0;
const onSignal = (): void => {
  interrupted += 1;
  if (interrupted > 1) process.exit(130); // a second Ctrl-C: stop waiting for clean-up
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

main(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr, signal: controller.signal }).then(
  (code) => {
    process.exitCode = interrupted > 0 ? 130 : code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
