/**
 * One HTTP exchange as raw as node:http gives it (header bytes kept as
 * latin1, the body as bytes), and the parts of a multipart/byteranges body.
 */
import { request } from 'node:http';

export interface Exchange {
  status: number;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export function exchange(port: number, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (let index = 0; index < res.rawHeaders.length; index += 2) headers[res.rawHeaders[index]!.toLowerCase()] = res.rawHeaders[index + 1]!;
        resolve({ status: res.statusCode!, headers, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export interface Part {
  headers: Record<string, string>;
  body: Buffer;
}

/** The parts of a multipart/byteranges body, without the boundary (random per response). */
export function multipartParts(response: Exchange): Part[] {
  const boundary = /boundary=("?)([^";]+)\1/.exec(response.headers['content-type'] ?? '')?.[2];
  if (!boundary) throw new Error(`not multipart: ${response.headers['content-type']}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let start = response.body.indexOf(delimiter);
  while (start !== -1) {
    const next = response.body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const raw = response.body.subarray(start + delimiter.length, next);
    const headEnd = raw.indexOf('\r\n\r\n');
    const headers: Record<string, string> = {};
    for (const line of raw.subarray(0, headEnd).toString('latin1').split('\r\n').filter(Boolean)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    // The CRLF before the next delimiter belongs to the delimiter.
    parts.push({ headers, body: raw.subarray(headEnd + 4, raw.length - 2) });
    start = next;
  }
  return parts;
}
