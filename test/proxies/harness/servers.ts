/** The real servers are the library's own (koa-downloadview/testing's startProxy); the suites use them from there. */
export { servers, type ProxyName, type ProxyServer } from '../../../src/testing/servers.js';
