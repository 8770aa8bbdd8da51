// How both jest configs compile: our TypeScript with ts-jest, and jose, which ships ES modules only
// since v6. Jest runs CommonJS and can require() ES modules only on Node >= 24.9, so on Node 20 it
// compiles jose's files to CommonJS as well (once; jest caches the result).
module.exports = {
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
    '^.+/node_modules/jose/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', isolatedModules: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};
