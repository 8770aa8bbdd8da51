// jest globalTeardown: fails the run when tests left new files or folders in the checkout.
const { checkoutPaths } = require('./checkout-paths');

module.exports = () => {
  const before = globalThis.__checkoutBefore;
  if (!before) return;
  const added = [...checkoutPaths()].filter((path) => !before.has(path));
  // Name only the top of each new tree.
  const tops = added.filter((path) => !added.some((other) => other !== path && other.endsWith('/') && path.startsWith(other)));
  if (tops.length > 0) throw new Error(`tests wrote into the checkout (write to a temp folder instead): ${tops.join(', ')}`);
};
