/** Name rules shared by every storage: checked before any I/O. */
import { FileNotFoundError, ImproperlyConfiguredError, InvalidNameError } from './errors.js';
import type { Storage } from './storage.js';

// C0 and C1 control characters, DEL, and the backslash.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\\]/;
const MAX_NAME_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;
// A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair is 4 for 2): no segment of a name this short is too long.
const SHORT_NAME = Math.floor(MAX_SEGMENT_BYTES / 3);
// An empty, `.` or `..` segment.
const HOLLOW_SEGMENT = /(?:^|\/)\.{0,2}(?:\/|$)/;

/**
 * Returns `name` if it is a safe storage-relative name, else throws InvalidNameError.
 * Empty and `.` segments are refused too, so that one file has exactly one name.
 */
export function validateName(name: string): string {
  if (typeof name !== 'string' || name === '') throw new InvalidNameError(String(name), 'a name must be a non-empty string');
  if (FORBIDDEN.test(name)) throw new InvalidNameError(name, 'control characters and backslashes are not allowed');
  if (!name.isWellFormed()) throw new InvalidNameError(name, 'not valid Unicode (lone surrogate)');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw new InvalidNameError(name, 'absolute names are not allowed');
  // Every download checks its name: most are short and sound, and need neither the byte counts nor the split below.
  if (name.length <= SHORT_NAME && !HOLLOW_SEGMENT.test(name)) return name;
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new InvalidNameError(name, `longer than ${MAX_NAME_BYTES} bytes`);
  for (const segment of name.split('/')) {
    if (segment === '..') throw new InvalidNameError(name, '".." segments are not allowed');
    if (segment === '' || segment === '.') throw new InvalidNameError(name, 'empty and "." segments are not allowed');
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) throw new InvalidNameError(name, `a segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return name;
}

// What encodeURIComponent leaves as is, and `/`: most names, which then need no splitting.
const URL_SAFE = /^[A-Za-z0-9\-_.!~*'()/]*$/;

/** Percent-encodes each segment of a valid name, keeping the `/` separators. */
export function encodeName(name: string): string {
  return URL_SAFE.test(name) ? name : name.split('/').map(encodeURIComponent).join('/');
}

/** `baseUrl` + encoded name, or undefined when the storage has no base URL. */
export function joinUrl(baseUrl: string | undefined, name: string): string | undefined {
  if (baseUrl === undefined) return undefined;
  const encoded = encodeName(validateName(name));
  return baseUrl.endsWith('/') ? baseUrl + encoded : `${baseUrl}/${encoded}`;
}

/** `exists` for storages whose stat is the cheapest look-up: a missing file is false, any other error stands. */
export async function existsByStat(storage: Pick<Storage, 'stat'>, name: string): Promise<boolean> {
  try {
    await storage.stat(name);
    return true;
  } catch (error) {
    if (error instanceof FileNotFoundError) return false;
    throw error;
  }
}

/** A storage's baseUrl option, checked at start-up: `url()` would fail on every call otherwise. */
export function checkBaseUrl(storage: string, baseUrl: unknown): string | undefined {
  if (baseUrl !== undefined && typeof baseUrl !== 'string') {
    throw new ImproperlyConfiguredError(`${storage} baseUrl must be a URL prefix such as "/media/" or "https://cdn.example.com/media/"; got ${JSON.stringify(baseUrl)}.`);
  }
  return baseUrl;
}
