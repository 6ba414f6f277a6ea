/**
 * The requests of the parity matrix. Each may first ask the same server for
 * the file, so that conditional requests carry the validators that server
 * gave: the ETag the client received, not one guessed.
 */
import { exchange, type Exchange } from './exchange.js';

export interface MatrixRequest {
  label: string;
  /** Run against the 20 MiB file too. */
  large: boolean;
  method: 'GET' | 'HEAD';
  headers(fetchFirst: () => Promise<Exchange>): Promise<Record<string, string>>;
}

/** The validator the server gave, as a header to send back; none when the server gave none. */
const echo = async (fetchFirst: () => Promise<Exchange>, received: 'etag' | 'last-modified', send: string, extra: Record<string, string> = {}) => {
  const value = (await fetchFirst()).headers[received];
  return value ? { ...extra, [send]: value } : extra;
};

export const requests: MatrixRequest[] = [
  { label: 'GET', large: true, method: 'GET', headers: async () => ({}) },
  { label: 'HEAD', large: true, method: 'HEAD', headers: async () => ({}) },
  { label: 'one Range', large: true, method: 'GET', headers: async () => ({ Range: 'bytes=3-9' }) },
  { label: 'several Ranges', large: false, method: 'GET', headers: async () => ({ Range: 'bytes=0-1,5-6,-3' }) },
  { label: 'If-None-Match with the received ETag', large: false, method: 'GET', headers: (first) => echo(first, 'etag', 'If-None-Match') },
  { label: 'If-Modified-Since the received Last-Modified', large: false, method: 'GET', headers: (first) => echo(first, 'last-modified', 'If-Modified-Since') },
  { label: 'If-Range with the received ETag', large: false, method: 'GET', headers: (first) => echo(first, 'etag', 'If-Range', { Range: 'bytes=3-9' }) },
  { label: 'If-Range with the received Last-Modified', large: false, method: 'GET', headers: (first) => echo(first, 'last-modified', 'If-Range', { Range: 'bytes=3-9' }) },
  // Error answers, preconditions and the ranges that 0-byte files and lighttpd tell apart.
  { label: 'a Range from the start', large: false, method: 'GET', headers: async () => ({ Range: 'bytes=0-99' }) },
  { label: 'a Range past the end', large: true, method: 'GET', headers: async () => ({ Range: 'bytes=99999999-' }) },
  { label: 'Ranges past the end', large: false, method: 'GET', headers: async () => ({ Range: 'bytes=100-199,300-399' }) },
  { label: 'far-apart Ranges', large: true, method: 'GET', headers: async () => ({ Range: 'bytes=0-1,1000-1001' }) },
  { label: 'If-Range with the received ETag, past the end', large: false, method: 'GET', headers: (first) => echo(first, 'etag', 'If-Range', { Range: 'bytes=100-' }) },
  { label: 'If-Match with the received ETag', large: false, method: 'GET', headers: (first) => echo(first, 'etag', 'If-Match') },
  { label: 'If-Match with another ETag', large: false, method: 'GET', headers: async () => ({ 'If-Match': '"nope"' }) },
  { label: 'If-Unmodified-Since the received Last-Modified', large: false, method: 'GET', headers: (first) => echo(first, 'last-modified', 'If-Unmodified-Since') },
  { label: 'If-Unmodified-Since long ago', large: false, method: 'GET', headers: async () => ({ 'If-Unmodified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT' }) },
  { label: 'HEAD with If-Match with another ETag', large: false, method: 'HEAD', headers: async () => ({ 'If-Match': '"nope"' }) },
];

/** Sends `matrixRequest` for `path` to the server on `port`. */
export async function send(port: number, path: string, matrixRequest: MatrixRequest): Promise<Exchange> {
  const headers = await matrixRequest.headers(() => exchange(port, path));
  return exchange(port, path, { method: matrixRequest.method, headers });
}
