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
  // Tests write to temp folders only: the run fails if it leaves anything new in the checkout.
  globalSetup: '<rootDir>/test/support/checkout-guard-setup.js',
  globalTeardown: '<rootDir>/test/support/checkout-guard-teardown.js',
};
