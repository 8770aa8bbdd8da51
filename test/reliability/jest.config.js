// Workers inherit this: on Node 20 the AWS SDK warns that its releases after January 2027 need
// Node >= 22 (see src/cli/bin.ts); in test output that notice is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// The reliability suite (issue [7]): fault injection, bad inputs, leak scan and a soak, run with
// `npm run test:reliability`. Its files end in .reliability.ts so the main `npm test` (which matches
// *.test.ts) does not pick them up. One worker: the timing-sensitive fault tests must not share the
// two cores with the soak.
const { join } = require('node:path');
const { transform, transformIgnorePatterns } = require('../support/jest-transform');

/** @type {import('jest').Config} */
module.exports = {
  rootDir: join(__dirname, '../..'),
  testEnvironment: 'node',
  roots: ['<rootDir>/test/reliability'],
  testMatch: ['**/*.reliability.ts'],
  transform,
  transformIgnorePatterns,
  maxWorkers: 1,
  globalSetup: '<rootDir>/test/reliability/support/global-setup.ts',
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/test/reliability/support/summary-reporter.js'],
};
