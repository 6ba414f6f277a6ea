/**
 * Loaded by stryker.config.mjs only, never by npm test: each test starts with
 * the header memos empty, so that a mutant in the code they memoize is run
 * (and covered) by every test that needs it, not hidden behind a value
 * cached by an earlier test under another mutant.
 */
import { clearMemos } from '../../src/memoize.js';

export const mochaHooks = {
  beforeEach(): void {
    clearMemos();
  },
};
