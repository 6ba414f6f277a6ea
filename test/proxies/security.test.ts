import { expect } from 'chai';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { exchange, type Exchange } from './harness/exchange.js';
import { proxySuite } from './harness/suite.js';
import { INTERNAL_URL, SECRET } from './harness/stack.js';

const INTERNAL_HEADER = /^(x-sendfile|x-accel-.*)$/i;

function leaked(response: Exchange): string[] {
  return Object.keys(response.headers).filter((name) => INTERNAL_HEADER.test(name));
}

proxySuite('security defaults of the generated configuration', (proxy, stack) => {
  it('refuses the internal location when a client asks for it directly', async function () {
    const response = await exchange(stack().proxyPort, `${INTERNAL_URL}plain.txt`);
    expect(response.status).to.be.oneOf([403, 404]);
    expect(response.body.toString()).not.to.include('The content of plain.txt');
  });

  it('lets no X-Sendfile or X-Accel-* header reach the client, whatever the request', async function () {
    const port = stack().proxyPort;
    const responses = [
      await exchange(port, '/files/plain.txt'),
      await exchange(port, '/files/plain.txt', { method: 'HEAD' }),
      await exchange(port, '/files/plain.txt', { headers: { Range: 'bytes=0-3' } }),
      await exchange(port, '/files/plain.txt', { headers: { 'If-Modified-Since': new Date().toUTCString() } }),
      await exchange(port, '/files/missing.txt'),
    ];
    expect(responses.map((response) => response.status)).to.deep.equal([200, 200, 206, 304, 404]);
    expect(responses.flatMap(leaked)).to.deep.equal([]);
  });

  it('refuses a hand-off that climbs out of the configured folder, and leaks nothing', async function () {
    const outside = proxy === 'nginx' || proxy === 'caddy' ? `${INTERNAL_URL}../secret.txt` : join(stack().media, '..', 'secret.txt');
    const response = await exchange(stack().proxyPort, `/forged?to=${encodeURIComponent(outside)}`);
    expect(response.body.toString()).not.to.include(SECRET);
    expect(response.status).to.be.oneOf([400, 403, 404]);
    expect(leaked(response)).to.deep.equal([]);
  });

  it('never serves a symlink that leads out of the folder, nor a file under a symlinked folder', async function () {
    await symlink(join(stack().root, 'secret.txt'), join(stack().media, 'link-to-secret.txt'));
    await symlink(stack().root, join(stack().media, 'link-to-root'));
    for (const path of ['/files/link-to-secret.txt', '/files/link-to-root/secret.txt']) {
      const response = await exchange(stack().proxyPort, path);
      expect(response.body.toString(), path).not.to.include(SECRET);
      expect(response.status, path).to.be.oneOf([403, 404]);
      expect(leaked(response), path).to.deep.equal([]);
      expect(response.headers['content-disposition'], `${path}: an error page saved under the file's name`).to.equal(undefined);
    }
  });

  it("answers a folder's name with an error that gives away no internal path", async function () {
    await mkdir(join(stack().media, 'a-folder'), { recursive: true });
    // /trusting/: a storage that follows symlinks out, so not even Apache's and Caddy's hand-offs are looked up by the app.
    for (const path of ['/files/a-folder', '/files/a-folder/', '/trusting/a-folder', '/trusting/missing.txt']) {
      const response = await exchange(stack().proxyPort, path);
      expect(response.status, path).to.be.oneOf([400, 403, 404]);
      expect(response.headers['location'], path).to.equal(undefined);
      expect(leaked(response), path).to.deep.equal([]);
      expect(response.headers['content-disposition'], `${path}: an error page saved under the file's name`).to.equal(undefined);
    }
  });

  it('refuses a hand-off to a path outside every rule', async function () {
    const outside = proxy === 'nginx' || proxy === 'caddy' ? '/secret.txt' : join(stack().root, 'secret.txt');
    const response = await exchange(stack().proxyPort, `/forged?to=${encodeURIComponent(outside)}`);
    expect(response.body.toString()).not.to.include(SECRET);
    expect(response.status).to.be.oneOf([403, 404]);
    expect(leaked(response)).to.deep.equal([]);
  });
});
