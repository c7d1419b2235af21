/**
 * Fast unit tests, integration tests of adapters against real servers, the e2e suite on SQLite and on MariaDB, and the
 * fault drills.
 */
const shared = {
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
    '^.+\\.m?js$': '<rootDir>/test/jest/esm-to-cjs.cjs',
  },
  transformIgnorePatterns: [],
  testEnvironment: 'node',
  rootDir: __dirname,
};

module.exports = {
  // a guard against a hang, generous for a machine whose cores are busy (see docs/DEVELOPMENT.md)
  testTimeout: 120_000,
  // Each e2e file boots the app in a module registry of its own, and not all of it is collected after the file
  // (measured: the heap grows by up to ~100 MB per e2e file; a whole run once exhausted a 4 GB heap). A worker that
  // holds more than this after a file is replaced. Setting it also makes jest run the files in worker processes
  // even with one worker, instead of in its own process, which nothing would replace.
  workerIdleMemoryLimit: '1536MB',
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'] },
    // Attacks on the running app: every operation of the OpenAPI document, tokens, webhook, files, secrets.
    {
      ...shared,
      displayName: 'security',
      testMatch: ['<rootDir>/test/security/**/*.security-spec.ts'],
      setupFiles: ['<rootDir>/test/setup/sqlite.ts'],
    },
    // Adapters against the real servers on this machine (Redis), each run under its own key prefix.
    { ...shared, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'] },
    {
      ...shared,
      displayName: 'e2e-sqlite',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/setup/sqlite.ts'],
    },
    // The admin console in Debian's chromium (playwright-core), against the real service on SQLite and the fake Gewe.
    {
      ...shared,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      setupFiles: ['<rootDir>/test/setup/sqlite.ts'],
    },
    {
      ...shared,
      displayName: 'e2e-mysql',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/setup/mysql.ts'],
    },
    // Fault drills: the built service (dist/, compiled once by the global setup) in child processes under load, with
    // its Redis, MariaDB, plugins or Gewe failing on purpose.
    {
      ...shared,
      displayName: 'fault',
      testMatch: ['<rootDir>/test/fault/**/*.fault-spec.ts'],
      globalSetup: '<rootDir>/test/fault/support/global-setup.ts',
    },
  ],
};
