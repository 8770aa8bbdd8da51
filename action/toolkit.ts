// The part of @actions/core that needs its HTTP client (getIDToken); a separate file in the bundle, loaded on use.
// @actions/core 3 is ESM-only: esbuild turns it into this CommonJS file, and tests load it from action/dist.
export { getIDToken } from '@actions/core';
