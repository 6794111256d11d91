// Jest for the whole workspace (ESM: run through `npm run test:jest`, which sets
// NODE_OPTIONS=--experimental-vm-modules). Specs are transpiled by @swc/jest only; types are
// checked by `tsc -b` in the build. One Postgres, nats-server and redis-server serve the whole
// run: libs/devstack's global setup starts them and exports SWITCHYARD_TEST_* to the workers.
import { existsSync } from 'node:fs';

const jestSupport = './libs/devstack/dist/jest';
if (!existsSync(new URL(`${jestSupport}/global-setup.js`, import.meta.url))) {
  // The setup runs as plain Node ESM (not through the transform), so it needs the built lib.
  throw new Error('libs/devstack is not built: run `npm run build` first (`npm test` does both)');
}

/** @type {import('@swc/core').Options} */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    // NestJS needs TypeScript's legacy decorators and their emitted design:type metadata.
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
  },
  module: { type: 'es6' },
};

/** @type {import('jest').Config} */
export default {
  rootDir: '.',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/bench'],
  testMatch: [
    '<rootDir>/{apps,libs}/**/src/**/*.spec.ts',
    '<rootDir>/{apps,libs}/**/test/**/*.e2e-spec.ts',
    // The benchmark suites at smoke sizes (bench/run.js --smoke), as child processes on dist/.
    '<rootDir>/bench/test/**/*.e2e-spec.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    // Sources import siblings as `./x.js` (nodenext); in jest the file is x.ts.
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // Workspace libraries are tested from source, not from their possibly stale dist.
    '^@switchyard/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^@switchyard/([a-z-]+)/testing$': '<rootDir>/libs/$1/src/testing.ts',
    '^@switchyard/devstack/nats-testing$': '<rootDir>/libs/devstack/src/nats-testing.ts',
  },
  globalSetup: `${jestSupport}/global-setup.js`,
  globalTeardown: `${jestSupport}/global-teardown.js`,
  reporters: ['default', `${jestSupport}/summary-reporter.js`],
  // The long benchmark smoke specs first on a run without timings (a fresh clone): see the file.
  testSequencer: '<rootDir>/tools/jest-sequencer.js',
  // Two cores on CI; the shared servers already use some of them.
  maxWorkers: 2,
  // Most suites start a control plane (Nest, Postgres, Redis, NATS) in beforeAll: seconds on a busy
  // 2-core machine, more than jest's 5 s default. A hung test still fails, just later.
  testTimeout: 30_000,
};
