// Which test files start first. jest runs the longest files first when its cache holds the durations
// of an earlier run; a clean clone (CI) has none, and jest then goes by file size, which started the
// README's terraform lifecycle two minutes in and left it running alone at the end. The files below
// run real terraform or build a copy of the project: they start first, longest first (as measured on
// this machine, see bench/RESULTS.md), and the others follow in jest's own order. A file missing from
// the list only loses its head start.
const Sequencer = require('@jest/test-sequencer').default;
const { join } = require('node:path');

const LONGEST_FIRST = [
  'readme-deploy.test.ts',
  'deploy/deploy-moto.test.ts',
  'cli/local-terraform.test.ts',
  'stacks/cdktf-cli.test.ts',
  'cli/local.test.ts',
  'action/deploy.test.ts',
  'package.test.ts',
  'cli/bin.test.ts',
].map((file) => join(__dirname, '..', file));

class LongestFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const rank = (test) => {
      const index = LONGEST_FIRST.indexOf(test.path);
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    // Array.prototype.sort is stable: files off the list keep jest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongestFirst;
