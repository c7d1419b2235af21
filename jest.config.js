/** Three projects: fast unit tests, and the same e2e suite against SQLite and against the real MariaDB. */
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
  testTimeout: 30000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e-sqlite',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/setup/sqlite.ts'],
    },
    {
      ...shared,
      displayName: 'e2e-mysql',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/setup/mysql.ts'],
    },
  ],
};
