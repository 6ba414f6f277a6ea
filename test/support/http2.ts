import type Koa from 'koa';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, constants, createSecureServer, type ClientHttp2Session, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** A throwaway self-signed certificate for 127.0.0.1, made by the openssl binary. */
export async function selfSignedCertificate(): Promise<{ key: Buffer; cert: Buffer }> {
  const folder = await mkdtemp(join(tmpdir(), 'kdv-cert-'));
  try {
    const [key, cert] = [join(folder, 'key.pem'), join(folder, 'cert.pem')];
    // An EC key: an RSA one takes a noticeable share of a second to generate.
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1']);
    return { key: await readFile(key), cert: await readFile(cert) };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Serves `app` the way it is deployed for browsers, which speak HTTP/2 only
 * over TLS: a secure server that also accepts HTTP/1.1, on a free port of 127.0.0.1.
 */
export async function listenHttp2(app: Koa, certificate: { key: Buffer; cert: Buffer }): Promise<{ server: Http2SecureServer; url: string; connect: () => ClientHttp2Session; close: () => Promise<void> }> {
  const server = createSecureServer({ ...certificate, allowHTTP1: true }, app.callback());
  const sessions = new Set<{ destroy(): void }>();
  server.on('session', (session) => (sessions.add(session), session.once('close', () => sessions.delete(session))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    url,
    connect: () => connect(url, { rejectUnauthorized: false }).on('error', () => {}),
    close: () => {
      for (const session of sessions) session.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Asks `session` for `path` and cancels the stream once `after` bytes of the
 * body arrived; `after: 0` cancels it right after the request is sent, before
 * any answer. Resolves with the bytes received by then.
 */
export function cancelledRequest(session: ClientHttp2Session, path: string, after: number): Promise<number> {
  return new Promise((resolve) => {
    let received = 0;
    const stream = session.request({ ':path': path });
    const cancel = () => {
      stream.close(constants.NGHTTP2_CANCEL);
      resolve(received);
    };
    stream.on('error', () => resolve(received));
    stream.on('close', () => resolve(received));
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= after) cancel();
    });
    stream.end();
    if (after === 0) setImmediate(cancel);
  });
}
