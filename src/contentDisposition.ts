/**
 * Content-Disposition for any file name (RFC 6266 / RFC 5987): an ASCII
 * `filename` fallback for old clients, plus `filename*=UTF-8''…` whenever the
 * name is not plain ASCII. The quoting is the content-disposition module's;
 * this file decides what a safe name is.
 */
import { create as format } from 'content-disposition';
import { memoize } from './memoize.js';

const MAX_NAME_LENGTH = 200;

// Control characters, path separators, and the invisible characters that
// reorder or hide text (a right-to-left override turns "exe.txt" into "txt.exe").
const UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** A name a browser can save as is: nothing that breaks the header, hides text or names a folder. */
export function safeBasename(name: string): string {
  let safe = name.toWellFormed().replace(UNSAFE, '_').trim();
  safe = safe.replace(/^\.+/, (dots: string) => '_'.repeat(dots.length));
  if (safe.length > MAX_NAME_LENGTH) {
    const dot = safe.lastIndexOf('.');
    const extension = dot > 0 && safe.length - dot <= 16 ? safe.slice(dot) : '';
    // Cut between characters: half an emoji (a lone surrogate) cannot be percent-encoded.
    safe = safe.slice(0, MAX_NAME_LENGTH - extension.length).replace(/[\ud800-\udbff]$/, '') + extension;
  }
  return safe || 'download';
}

/** The ASCII fallback: accents dropped, anything else non-ASCII or quoting-prone becomes `_`. */
function asciiFallback(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]|["%]/g, '_');
}

function build(type: 'attachment' | 'inline', name: string): string {
  const safe = safeBasename(name);
  return format(safe, { type, fallback: asciiFallback(safe) });
}

// One memory per type, keyed by the name itself: a key made per request (type + name) would be hashed anew each time.
const attachment = memoize((name) => build('attachment', name));
const inline = memoize((name) => build('inline', name));

export function contentDisposition(name: string, asAttachment: boolean): string {
  return asAttachment ? attachment(name) : inline(name);
}
