/**
 * The header the app sets on every local file it streams itself. A proxy
 * that sends the file replaces the app's answer, so the header never
 * reaches the client then: `koa-downloadview check` tells by it that Node,
 * not the proxy, sent the bytes (a rule that matched nothing, a name the
 * backend cannot be handed, no proxy in front).
 */
export const STREAMED_HEADER = 'X-Downloadview';
export const STREAMED_VALUE = 'streamed';
