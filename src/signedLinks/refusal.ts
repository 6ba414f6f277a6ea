/**
 * Why a link is refused. The message is the answer's body: it says what is
 * wrong with the link, never which key, secret or path the app expected
 * (those go to NODE_DEBUG=koa-downloadview, from `detail`).
 */
import { DownloadViewError } from '../errors.js';

export type RefusalReason = 'unsigned' | 'malformed' | 'unknown-key' | 'tampered' | 'tampered-or-address' | 'edge-only' | 'expired';

const SENTENCES: Record<RefusalReason, string> = {
  unsigned: 'This download link is not signed.',
  malformed: 'This download link is malformed',
  'unknown-key': 'This download link was signed with a key that is no longer accepted.',
  tampered: 'This download link is not valid: it was changed after it was signed.',
  // An address-bound link cannot tell the two apart: the address is signed, not written in the link.
  'tampered-or-address': 'This download link is not valid: it was changed after it was signed, or it is used from another address than the one it was made for.',
  'edge-only': 'This download link is checked by the web server in front of this application, which did not check it.',
  expired: 'This download link has expired.',
};

/** A signed link the middleware refused: 410 when it expired, 403 otherwise. Koa answers with the message, as text, and no other header than Cache-Control: no-store. */
export class SignedLinkError extends DownloadViewError {
  override readonly status: 403 | 410;
  override readonly expose = true;
  /** Read by Koa's error handler, which removes every other header (Content-Disposition included). */
  readonly headers = { 'Cache-Control': 'no-store' };
  /** What the server may log: the key id, the expiry, the address. */
  readonly detail: string | undefined;

  /** `why` completes the sentence of a malformed link ("its expiry is not a whole number"); `detail` is for logs only. */
  constructor(
    readonly reason: RefusalReason,
    options: { why?: string; detail?: string } = {},
  ) {
    super(reason === 'malformed' ? `${SENTENCES.malformed}: ${options.why ?? 'it cannot be read'}.` : SENTENCES[reason]);
    this.status = reason === 'expired' ? 410 : 403;
    this.detail = options.detail;
  }
}
