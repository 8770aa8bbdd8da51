#!/usr/bin/env node
// The edge: hands argv, env and the streams to main(), and turns Ctrl-C into an abort signal so
// long-running commands stop their emulators and child processes before exiting.
import { main } from './main';

// The AWS SDK warns on Node 20 about its releases after January 2027; this package pins its SDK
// and supports Node ≥ 20.19, so the notice would only bury the rehearsal's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const controller = new AbortController();
let interrupted = 0;
// 128 + the signal's number, as shells report it: 130 for SIGINT, 143 for SIGTERM.
let interruptedCode = 130;
const onSignal = (signal: NodeJS.Signals): void => {
  interrupted += 1;
  if (interrupted === 1) interruptedCode = signal === 'SIGTERM' ? 143 : 130;
  if (interrupted > 1) process.exit(interruptedCode); // a second signal: stop waiting for clean-up
  controller.abort(new Error(`interrupted by ${signal}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

main(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr, signal: controller.signal }).then(
  (code) => {
    process.exitCode = interrupted > 0 ? interruptedCode : code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
