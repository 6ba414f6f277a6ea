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
];

/** Sends `matrixRequest` for `path` to the server on `port`. */
export async function send(port: number, path: string, matrixRequest: MatrixRequest): Promise<Exchange> {
  const headers = await matrixRequest.headers(() => exchange(port, path));
  return exchange(port, path, { method: matrixRequest.method, headers });
}
