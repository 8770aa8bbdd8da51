// jest globalSetup: remembers what the checkout holds, so the teardown can fail a run that writes
// into it (terraform state under ./tmp, synth output under ./.tmp): tests write to temp folders only.
const { checkoutPaths } = require('./checkout-paths');

module.exports = () => {
  globalThis.__checkoutBefore = checkoutPaths();
};
