/**
 * The same folder served three ways, each on its own free port of 127.0.0.1:
 * the library (storageDownload over FileSystemStorage, streamed by Koa),
 * nginx static (a plain location under `root`) and Apache static
 * (DocumentRoot, core handler, ETag on). No proxying anywhere.
 */
import Router from '@koa/router';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSystemStorage } from '../../../storages/filesystem.js';
import { storageDownload } from '../../../src/routes.js';
import { appWith, listen } from '../../support/app.js';
import { writeFixtures } from '../harness/fixtures.js';
import { freePort, type Running } from '../harness/process.js';
import { servers } from '../harness/servers.js';
import { files } from './files.js';
import { proxyFolder } from '../../support/proxyFolder.js';

export const SERVERS = ['library', 'nginx', 'apache'] as const;
export type ServerName = (typeof SERVERS)[number];

/** Where each server serves the folder: the same URL path on all three. */
export const PREFIX = '/files/';

export interface Trio {
  ports: Record<ServerName, number>;
  stop(): Promise<void>;
}

const nginxSite = (port: number, site: string) => `server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000;
    root ${site};
    location ${PREFIX} { }
}
`;

// ETag on (FileETag MTime Size, Apache's default), and keep-alive without a request limit.
const apacheSite = (site: string) => `LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
TypesConfig /etc/mime.types
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 60
DocumentRoot ${site}
<Directory ${site}>
    Require all granted
    FileETag MTime Size
</Directory>
`;

/** The three servers, or a thrown error naming the Debian package when a binary is missing. */
export async function startTrio(): Promise<Trio> {
  const root = await proxyFolder('kdv-fuzz-');
  const site = join(root, 'site');
  const media = join(site, PREFIX);
  await mkdir(media, { recursive: true });
  await chmod(site, 0o755);
  await writeFixtures(media, files);

  const running: Running[] = [];
  const router = new Router();
  router.get(`${PREFIX}*path`, storageDownload({ storage: new FileSystemStorage({ location: media }) }));
  const app = await listen(appWith(router.routes()));
  const stop = async () => {
    await Promise.all(running.map((server) => server.stop()));
    await app.close();
    await rm(root, { recursive: true, force: true });
  };
  try {
    const nginxPort = await freePort();
    const nginxDir = join(root, 'nginx');
    await mkdir(nginxDir);
    running.push(await servers.nginx.start(nginxDir, nginxSite(nginxPort, site), nginxPort));
    const apachePort = await freePort();
    const apacheDir = join(root, 'apache');
    await mkdir(apacheDir);
    running.push(await servers.apache.start(apacheDir, apacheSite(site), apachePort));
    return { ports: { library: Number(new URL(app.url).port), nginx: nginxPort, apache: apachePort }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
