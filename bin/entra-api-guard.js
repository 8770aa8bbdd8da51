#!/usr/bin/env node
'use strict';
// The build transpiles src/ into dist/ (esbuild); this file only hands over argv, env and the streams.
const { main } = require('../dist/src/cli/index.js');

main(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`error: ${error && error.message ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
