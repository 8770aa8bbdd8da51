// Workers inherit this: on Node 20 the AWS SDK warns that its releases after January 2027 need
// Node >= 22 (see src/cli/bin.ts); in test output that notice is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { transform, transformIgnorePatterns } = require('./test/support/jest-transform');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform,
  transformIgnorePatterns,
  testTimeout: 30000,
  // Four workers on two cores: the slow files spend much of their time waiting (on terraform's
  // processes, moto, child processes, deadlines), and with two workers a core often sat idle
  // (measured in bench/RESULTS.md, "npm test"). jest's default on 2 cores is a single worker.
  maxWorkers: 4,
  // The files that run real terraform or build a copy of the project first, also on a clean clone.
  testSequencer: '<rootDir>/test/support/sequencer.js',
  // Once per run: the build, the aws provider for the terraform tests, node@24 and cdktf-cli; and a
  // snapshot of the checkout (tests write to temp folders only: the run fails if it leaves anything
  // new in it).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/checkout-guard-teardown.js',
};
