// How both jest configs compile: with @swc/jest, transpile only. `npm test` type-checks the whole
// project with tsc before jest starts; ts-jest (even in its transpile-only mode) loaded TypeScript in
// every worker and compiled each file slowly: on a clean clone (no jest cache) the pure test files took
// a quarter less CPU with swc (bench/RESULTS.md, "npm test").
// jose ships ES modules only since v6; jest runs CommonJS and can require() ES modules only on
// Node >= 24.9, so on Node 20 its files are compiled to CommonJS as well (once; jest caches the result).
const typescript = { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' }, sourceMaps: 'inline' };
const esModules = { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } };

module.exports = {
  transform: {
    '^.+\\.ts$': ['@swc/jest', typescript],
    '^.+/node_modules/jose/.+\\.js$': ['@swc/jest', esModules],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};
