/**
 * The demo's S3 offload routes: behind nginx and behind Caddy, each started
 * as `npm run demo -- --proxy <name>` starts it (startDemoProxy), the proxy
 * fetches the object from the demo's s3rver and Node sends no byte; without
 * the proxy, the home page says which proxy the route needs and how to start it.
 */
import { expect } from 'chai';
import { rm } from 'node:fs/promises';
import { demoApp, type Demo } from '../../demo/app.js';
import { SAMPLE_FILES } from '../../demo/content.js';
import { startDemoProxy, type DemoProxy } from '../../demo/proxy.js';
import { startEmbeddedS3, type EmbeddedS3 } from '../../demo/s3.js';
import { freePort } from '../proxies/harness/process.js';
import { listen } from '../support/app.js';
import { requireProxy } from '../support/requireProxy.js';
import { proxyFolder } from '../support/proxyFolder.js';

const NAMES = ['hello-world.txt', 'héllo wörld.txt'];

for (const backend of ['nginx', 'caddy'] as const) {
  describe(`The demo's S3 offload route for ${backend}`, function () {
    this.timeout(60_000);
    let s3: EmbeddedS3;
    let dataDir: string;
    const started: Array<{ demo: Demo; server: Awaited<ReturnType<typeof listen>>; proxy?: DemoProxy }> = [];

    /** The demo as `npm run demo [-- --proxy backend]` runs it: the URL a browser opens, and the app's own. */
    async function startDemo(behindProxy: boolean): Promise<{ url: string; appUrl: string }> {
      let server: Awaited<ReturnType<typeof listen>> | undefined;
      const runDir = await proxyFolder('run-', dataDir);
      const demo = await demoApp({ dataDir: runDir, s3: s3.storage, selfUrl: () => server!.url, ...(behindProxy && { proxy: backend }) });
      server = await listen(demo.app);
      if (!behindProxy) {
        started.push({ demo, server });
        return { url: server.url, appUrl: server.url };
      }
      const port = await freePort();
      started.push({ demo, server, proxy: await startDemoProxy(backend, { dataDir: runDir, appUrl: server.url, port, s3: s3.storage }) });
      return { url: `http://127.0.0.1:${port}`, appUrl: server.url };
    }

    before(async function () {
      requireProxy(this, backend);
      s3 = await startEmbeddedS3();
      dataDir = await proxyFolder('kdv-demo-s3-');
    });

    after(async function () {
      for (const { demo, server, proxy } of started) {
        demo.close();
        await proxy?.stop();
        await server.close();
      }
      await s3?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it(`is listed without a link when ${backend} is not in front, with the command that starts it`, async function () {
      const { url } = await startDemo(false);
      const home = await (await fetch(`${url}/`)).text();
      for (const name of NAMES) {
        const path = `/offload/${backend}/s3/${name}`;
        expect(home).to.include(`data-path="${path}"`).and.not.to.include(`<a href="${encodeURI(path)}"`);
      }
      expect(home).to.include(`npm run demo -- --proxy ${backend}`);
    });

    it(`sends each S3 object through ${backend}, which fetched it from S3: the app answered with a hand-off only`, async function () {
      const { url, appUrl } = await startDemo(true);
      const home = await (await fetch(`${url}/`)).text();
      for (const name of NAMES) {
        const path = `/offload/${backend}/s3/${name}`;
        expect(home).to.include(`<a href="${encodeURI(path)}"`);
        const response = await fetch(`${url}${encodeURI(path)}`);
        expect(response.status, name).to.equal(200);
        expect(await response.text(), name).to.equal(SAMPLE_FILES[name]);
        expect(response.headers.get('content-disposition'), name).to.match(/^attachment; filename=/);
        expect(response.headers.get('x-accel-redirect'), name).to.equal(null);
        // What the proxy got from the app for the same request: no byte, a presigned hand-off.
        const handOff = await fetch(`${appUrl}${encodeURI(path)}`);
        expect(await handOff.text(), name).to.equal('');
        expect(handOff.headers.get('x-accel-redirect'), name).to.match(new RegExp(`^/_internal/${backend}/s3/.*X-Amz-Signature=`));
      }
    });
  });
}
