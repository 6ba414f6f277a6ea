/**
 * Real nginx in front of a Koa app, from the configuration proxyConfig
 * generates with edgeLinks: the media folder holds a few files, one of them
 * awkwardly named, and a symlink out of it. A missing nginx fails in CI and
 * skips elsewhere, naming the Debian package.
 */
import type Router from '@koa/router';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proxyConfig } from '../../src/proxyConfig.js';
import { freePort, type Running } from '../proxies/harness/process.js';
import { servers } from '../proxies/harness/servers.js';
import { appWith, listen } from '../support/app.js';
import { EDGE_SECRET } from './fixtures.js';

export const AWKWARD = 'rapports/Été 2024 #1 + 50% (copie) 日本語.txt';
export const INTERNAL_URL = '/_protected/';

export interface NginxSite {
  port: number;
  /** What nginx logged, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts the app that `routes(media)` makes and nginx in front of it; with `stopApp`, the app is stopped before nginx starts. */
export async function startNginxSite(test: Mocha.Context, routes: (media: string) => Router, options: { stopApp: boolean }): Promise<NginxSite> {
  if (!servers.nginx.binary) {
    const install = `nginx is not installed: apt-get install ${servers.nginx.debianPackage}`;
    if (process.env.CI) throw new Error(install);
    console.log(`      skipped: ${install}`);
    test.skip();
  }
  const root = await mkdtemp(join(tmpdir(), 'kdv-signed-nginx-'));
  const media = join(root, 'media');
  await mkdir(join(media, 'rapports'), { recursive: true });
  await mkdir(join(root, 'server'));
  // nginx's workers run as www-data: they must reach the files.
  await chmod(root, 0o755);
  await writeFile(join(media, 'report.txt'), 'the quarterly report');
  await writeFile(join(media, AWKWARD), 'awkward, but served');
  await writeFile(join(root, 'secret.txt'), 'beside the media folder');
  await symlink(join(root, 'secret.txt'), join(media, 'escape.txt'));

  const app = await listen(appWith(routes(media).routes()));
  let nginx: Running | undefined;
  const stop = async () => {
    await nginx?.stop();
    await app.close();
    await rm(root, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const config = proxyConfig({ sourceDir: media, destinationUrl: INTERNAL_URL }, 'nginx', {
      appUrl: app.url,
      listen: `127.0.0.1:${port}`,
      edgeLinks: { secret: EDGE_SECRET, folders: { '/signed/': media } },
    });
    if (options.stopApp) await app.close();
    nginx = await servers.nginx.start(join(root, 'server'), config, port);
    return { port, output: nginx.output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
