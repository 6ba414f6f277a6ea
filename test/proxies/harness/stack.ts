/**
 * One proxy in front of one Koa app, both on 127.0.0.1: the app serves the
 * fixtures at /direct/ (streamed by Koa) and at /files/ (through xSendfile),
 * and generated files at /generated.txt and /generated.zip,
 * and the proxy, started by the library's kit (startProxy), runs the
 * configuration proxyConfig generates (changed only where a suite breaks it
 * on purpose, through the kit's editConfig).
 */
import Router from '@koa/router';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemStorage } from '../../../storages/filesystem.js';
import { storageDownload, virtualDownload } from '../../../src/routes.js';
import { VirtualFile } from '../../../src/virtualFile.js';
import { zipDownload } from '../../../src/zip/zipDownload.js';
import type { Rule } from '../../../src/rules.js';
import { xSendfile } from '../../../src/xSendfile.js';
import { startProxy } from '../../../src/testing/startProxy.js';
import { appWith } from '../../support/app.js';
import { writeFixtures } from './fixtures.js';
import { folderRule, handOffHeader, INTERNAL_URL } from '../../../src/testing/folderRule.js';
import type { ProxyName } from '../../../src/testing/servers.js';

/** The content of `secret.txt`, beside the media folder: no proxy may serve it. */
export const SECRET = 'SECRET beside the media folder';

export interface Stack {
  /** The folder that holds the media folder and secret.txt. */
  root: string;
  /** The app, reached directly. */
  appPort: number;
  /** The proxy in front of it. */
  proxyPort: number;
  /** The folder of the fixtures. */
  media: string;
  /** The configuration the proxy runs, as proxyConfig printed it. */
  config: string;
  /** The rule the app offloads with. */
  rule: Rule;
  /** The proxy's own folder (startProxy's): its configuration, and its error.log (nginx, Apache) or stderr.log. */
  serverDir: string;
  stop(): Promise<void>;
}

export { INTERNAL_URL, handOffHeader, folderRule as ruleFor };

/** The storage's baseUrl, which URL rules match. */
export const MEDIA_URL = '/media/';

/** The rule for `proxy` that matches files by URL rather than by folder. */
export function urlRuleFor(proxy: ProxyName, media: string): Rule {
  const { sourceDir, ...destination } = folderRule(proxy, media);
  return { sourceUrl: MEDIA_URL, ...destination };
}

export interface StackOptions {
  /** Changes the generated configuration before the proxy runs it (startProxy's editConfig): a deliberately broken deployment. */
  breakConfig?: (config: string) => string;
  /** Match files by URL (sourceUrl, the storage's baseUrl) rather than by folder. */
  byUrl?: boolean;
}

export async function startStack(proxy: ProxyName, options: StackOptions = {}): Promise<Stack> {
  const root = await mkdtemp(join(tmpdir(), `kdv-${proxy}-`));
  const media = join(root, 'media');
  await mkdir(media);
  // mkdtemp makes the folder private; the proxies' worker users must reach the files.
  await chmod(root, 0o755);
  await writeFile(join(root, 'secret.txt'), SECRET);
  await writeFixtures(media);

  const storage = new FileSystemStorage({ location: media, baseUrl: MEDIA_URL });
  const rule = options.byUrl ? urlRuleFor(proxy, media) : folderRule(proxy, media);
  const router = new Router();
  router.get('/direct/*path', storageDownload({ storage }));
  router.get('/files/*path', xSendfile(rule, { backend: proxy }), storageDownload({ storage }));
  // A rule whose sourceDir has a typo: it matches nothing, and Node streams every file through the proxy.
  router.get('/typo/*path', xSendfile({ ...rule, ...(rule.sourceDir && { sourceDir: `${media}-typo` }) }, { backend: proxy }), storageDownload({ storage }));
  // A storage that serves symlinks out of its folder: Apache and Caddy hand-offs then skip the app's look-up.
  router.get('/trusting/*path', xSendfile(rule, { backend: proxy }), storageDownload({ storage: new FileSystemStorage({ location: media, followSymlinksOutside: true }) }));
  // Files no proxy can be handed, behind the same rule: Node streams them whatever the configuration.
  const generated = () => new VirtualFile({ name: 'generated.txt', content: 'made by the app\n' });
  router.get('/generated.txt', xSendfile(rule, { backend: proxy }), virtualDownload(generated));
  router.get('/generated.zip', xSendfile(rule, { backend: proxy }), zipDownload(() => [{ name: 'generated.txt', file: generated() }]));
  // A hand-off the app would never make: ?to= is sent as is, to see what the proxy refuses.
  router.get('/forged', (ctx) => {
    ctx.set(handOffHeader(proxy), Buffer.from(String(ctx.query.to), 'utf8').toString('latin1'));
    ctx.body = '';
  });

  try {
    const running = await startProxy({ backend: proxy, app: appWith(router.routes()), rules: rule, folders: { [INTERNAL_URL]: media }, editConfig: options.breakConfig });
    const stop = async () => {
      await running.stop();
      await rm(root, { recursive: true, force: true });
    };
    const port = (url: string) => Number(new URL(url).port);
    return { root, appPort: port(running.appUrl), proxyPort: port(running.url), media, config: running.config, rule, serverDir: running.dir, stop };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
