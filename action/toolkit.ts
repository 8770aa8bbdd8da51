// The parts of @actions/core that need its HTTP client; a separate file in the bundle, loaded on use.
export { getIDToken, summary } from '@actions/core';
