/** Raw UTF-8 in a header: for proxies that read the header value as bytes, without percent-decoding. */

/** The UTF-8 bytes of `text`, one latin1 character each: Node writes header strings as latin1, so the bytes leave as UTF-8. */
export function asUtf8Bytes(text: string): string {
  // ASCII is its own UTF-8: most names, which then make no buffer.
  return ASCII.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}

const ASCII = /^[\x00-\x7f]*$/;
