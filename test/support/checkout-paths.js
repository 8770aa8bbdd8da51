// Every path in the checkout except what builds and installs write (.git, node_modules, dist, coverage).
const { readdirSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '../..');
const NOT_OURS = new Set(['.git', 'node_modules', 'dist', 'coverage']);

function checkoutPaths(dir = ROOT, into = new Set()) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (dir === ROOT && NOT_OURS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    into.add(relative(ROOT, path) + (entry.isDirectory() ? '/' : ''));
    if (entry.isDirectory()) checkoutPaths(path, into);
  }
  return into;
}

module.exports = { checkoutPaths };
