// Mutation testing (issue 20): `npm run mutate`. Not part of npm test or CI: it takes minutes.
// Each mutant of the HTTP core and the storages runs against the fast suites only.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'mocha',
  // The workers load the .ts sources and tests through tsx, as mocha does in npm test.
  testRunnerNodeArgs: ['--import', 'tsx'],
  mochaOptions: {
    // mutationHooks empties the header memos before each test, so that no
    // value cached under one mutant hides the next (this option replaces
    // .mocharc.json's require, hence awsSdkWarning again).
    require: ['test/support/awsSdkWarning.ts', 'test/support/mutationHooks.ts'],
    spec: [
      'test/downloads/*.test.ts',
      'test/offload/*.test.ts',
      'test/storages/*.test.ts',
      'test/testing/*.test.ts',
      'test/s3/*.test.ts',
      // examples.test.ts is left out: it compares quoted files, which the sandbox's copy changes.
      // Files are listed one by one: the mocha runner does not expand {a,b} in a spec.
      'test/events/channels.test.ts',
      'test/events/completedDownloads.test.ts',
      'test/events/offloadName.test.ts',
      'test/cli/*.test.ts',
      'test/hardening/headers.test.ts',
      'test/hardening/paths.test.ts',
      'test/hardening/configuration.test.ts',
      'test/hardening/errorAnswers.test.ts',
      'test/hardening/specialFiles.test.ts',
      'test/hardening/resume.test.ts',
      'test/hardening/faults.test.ts',
      'test/hardening/http2.test.ts',
    ],
  },
  mutate: [
    'src/{conditional,ranges,contentDisposition,headers,sendFile,lazyBody,rules,record,virtualFile,httpFile}.ts',
    'src/backends/*.ts',
    'storages/{names,filesystem,memory,s3}.ts',
  ],
  coverageAnalysis: 'perTest',
  // Static mutants (code run once, when a module loads: constants, regular
  // expressions, tables) each need the whole suite in a fresh process: Stryker
  // estimates they would take over half of the run's time. They are reported
  // as Ignored, outside the score (91 in the last run); `npx stryker run
  // --ignoreStatic false` runs them too (docs/testing.md).
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 15_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // The sandbox copies the project: not what git ignores, which can be large or odd (symlinks, sockets).
  ignorePatterns: ['/.scratch', '/dist', '/bench/results', '/.stryker-tmp*'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
