// Tests are TypeScript, compiled by ts-jest against the same tsconfig as the library.
const esmOnly = 'hyparquet|hyparquet-compressors|hyparquet-writer|hysnappy';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
    // ESM-only packages of the data loaders, turned into CommonJS for jest's sandbox (see test/esm_transform.js).
    [`/node_modules/(${esmOnly})/.+\\.js$`]: '<rootDir>/test/esm_transform.js',
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly})/)`],
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  testTimeout: 120000,
};
