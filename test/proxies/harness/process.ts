/** The process plumbing is the library's own (koa-downloadview/testing); the suites use it from there. */
export { freePort, startProcess, type Running } from '../../../src/testing/process.js';
