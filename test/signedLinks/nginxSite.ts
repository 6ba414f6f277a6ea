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
import { startProxy, type RunningProxy } from '../../src/testing.js';
import { appWith, listen } from '../support/app.js';
import { requireProxy } from '../support/requireProxy.js';
import { EDGE_SECRET } from './fixtures.js';

export const AWKWARD = 'rapports/Été 2024 #1 + 50% (copie) 日本語.txt';
export const INTERNAL_URL = '/_protected/';

export interface NginxSite {
  port: number;
  /** What nginx logged, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts the app that `routes(media)` makes and nginx in front of it; with `stopApp`, the app is gone before nginx starts. */
export async function startNginxSite(test: Mocha.Context, routes: (media: string) => Router, options: { stopApp: boolean }): Promise<NginxSite> {
  requireProxy(test, 'nginx');
  const root = await mkdtemp(join(tmpdir(), 'kdv-signed-nginx-'));
  const media = join(root, 'media');
  await mkdir(join(media, 'rapports'), { recursive: true });
  // nginx's workers run as www-data: they must reach the files.
  await chmod(root, 0o755);
  await writeFile(join(media, 'report.txt'), 'the quarterly report');
  await writeFile(join(media, AWKWARD), 'awkward, but served');
  await writeFile(join(root, 'secret.txt'), 'beside the media folder');
  await symlink(join(root, 'secret.txt'), join(media, 'escape.txt'));

  const app = appWith(routes(media).routes());
  const site = { backend: 'nginx' as const, rules: { sourceDir: media, destinationUrl: INTERNAL_URL }, edgeLinks: { secret: EDGE_SECRET, folders: { '/signed/': media } } };
  try {
    let proxy: RunningProxy;
    if (options.stopApp) {
      // An app that listened once and is gone: nginx must answer signed links alone.
      const gone = await listen(app);
      await gone.close();
      proxy = await startProxy({ ...site, appUrl: gone.url });
    } else {
      proxy = await startProxy({ ...site, app });
    }
    const stop = async () => {
      await proxy.stop();
      await rm(root, { recursive: true, force: true });
    };
    return { port: Number(new URL(proxy.url).port), output: proxy.logs.text, stop };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
