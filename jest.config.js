/**
 * Type-checking is done once by `npm run typecheck`; jest only transpiles, which keeps the suite fast.
 * The CEL engine ships only ES modules: Node 20 requires them natively, jest needs them transpiled.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }],
    '/node_modules/@marcbachmann/cel-js/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', isolatedModules: true }, diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@marcbachmann/cel-js/)'],
  globalSetup: '<rootDir>/test/global-setup.js',
  setupFiles: ['<rootDir>/test/setup-fast-check.ts'],
  testTimeout: 60000,
  // Jest's default leaves one core to its parent, which on a 2-core machine runs the suites one at a time.
  maxWorkers: '100%',
};
