// Standalone jest config for libs/db (the root jest.config.js also picks these specs up).
// Run: NODE_OPTIONS=--experimental-vm-modules npx jest -c libs/db/jest.config.js
// Without SWITCHYARD_TEST_PG_URL each spec starts its own temporary embedded Postgres.

/** @type {import('@swc/core').Options} */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
  },
  module: { type: 'es6' },
};

/** @type {import('jest').Config} */
export default {
  displayName: 'db',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  extensionsToTreatAsEsm: ['.ts'],
  // Sources import siblings as `./x.js` (nodenext); in jest the file is x.ts.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 60_000,
};
