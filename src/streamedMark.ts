/**
 * The header the app sets on every answer it streams itself, whatever the
 * file. A proxy that sends the file replaces the app's answer, so the header
 * never reaches the client then: `koa-downloadview check` tells by it that
 * Node, not the proxy, sent the bytes (a rule that matched nothing, a name
 * the backend cannot be handed, no proxy in front, or a generated file that
 * no proxy can be handed).
 */
export const STREAMED_HEADER = 'X-Downloadview';
export const STREAMED_VALUE = 'streamed';
