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
  // Both cores: most of the slow files wait (on deadlines, on terraform, on child processes), and jest's
  // default on 2 cores is a single worker.
  maxWorkers: 2,
  // Once per run: the build, the aws provider for the terraform tests, node@24 and cdktf-cli; and a
  // snapshot of the checkout (tests write to temp folders only: the run fails if it leaves anything
  // new in it).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/checkout-guard-teardown.js',
};
