/**
 * How to run each real server from a temporary folder: a minimal main
 * configuration holding only process plumbing (pid, logs, modules, temp
 * dirs) that includes the site configuration proxyConfig generated, verbatim.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendName } from '../backends/backend.js';
import { startProcess, type Running } from './process.js';

export type ProxyName = BackendName;

export interface ProxyServer {
  /** Absolute path of the binary, or undefined when it is not installed. */
  binary: string | undefined;
  /** The Debian package that provides it. */
  debianPackage: string;
  /** The Homebrew formula that provides it. */
  brewPackage: string;
  /** The files in its folder it writes errors to (error log, else stderr), and how an error line looks there. */
  errorLogs: string[];
  errorLine: RegExp;
  /** Starts the server in `dir` on 127.0.0.1:`port` with `site` (proxyConfig's output) included as is. */
  start(dir: string, site: string, port: number): Promise<Running>;
}

const APACHE_MODULES = ['mpm_event', 'authz_core', 'proxy', 'proxy_http', 'xsendfile'];

export const servers: Record<ProxyName, ProxyServer> = {
  nginx: {
    binary: findBinary('nginx'),
    debianPackage: 'nginx-light',
    brewPackage: 'nginx',
    errorLogs: ['error.log', 'stderr.log'],
    errorLine: /\[(?:error|crit|alert|emerg)\]/,
    async start(dir, site, port) {
      await writeConfig(dir, {
        'site.conf': site,
        'nginx.conf': `user www-data;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log off;
${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${dir}/${kind}_temp;\n`).join('')}    include ${dir}/site.conf;
}
`,
      });
      return startProcess(installed('nginx'), ['-p', dir, '-c', `${dir}/nginx.conf`, '-e', `${dir}/error.log`, '-g', 'daemon off;'], { cwd: dir, logFile: `${dir}/stderr.log`, port });
    },
  },
  apache: {
    binary: findBinary('apache2'),
    debianPackage: 'apache2 libapache2-mod-xsendfile',
    brewPackage: 'httpd',
    errorLogs: ['error.log', 'stderr.log'],
    errorLine: /\[[\w.]*:(?:error|crit|alert|emerg)\]/,
    async start(dir, site, port) {
      await writeConfig(dir, {
        'site.conf': site,
        'apache2.conf': `ServerRoot ${dir}
DefaultRuntimeDir ${dir}
PidFile ${dir}/apache2.pid
Mutex file:${dir} default
ErrorLog ${dir}/error.log
LogLevel warn
ServerName 127.0.0.1
${APACHE_MODULES.map((name) => `LoadModule ${name}_module /usr/lib/apache2/modules/mod_${name}.so\n`).join('')}User www-data
Group www-data
Listen 127.0.0.1:${port}
Include ${dir}/site.conf
`,
      });
      return startProcess(installed('apache'), ['-f', `${dir}/apache2.conf`, '-DFOREGROUND'], { cwd: dir, logFile: `${dir}/stderr.log`, port });
    },
  },
  lighttpd: {
    binary: findBinary('lighttpd'),
    debianPackage: 'lighttpd',
    brewPackage: 'lighttpd',
    // lighttpd has no levels: every line but its start and stop notices.
    errorLogs: ['stderr.log'],
    errorLine: /^(?!.*\b(?:server started|server stopped)\b).*\S/,
    async start(dir, site, port) {
      await mkdir(join(dir, 'docroot'), { recursive: true });
      await writeConfig(dir, {
        'site.conf': site,
        'lighttpd.conf': `server.document-root = "${dir}/docroot"
server.pid-file = "${dir}/lighttpd.pid"
server.upload-dirs = ( "${dir}" )
server.username = "www-data"
server.groupname = "www-data"
server.port = 80
include "${dir}/site.conf"
`,
      });
      return startProcess(installed('lighttpd'), ['-D', '-f', `${dir}/lighttpd.conf`], { cwd: dir, logFile: `${dir}/stderr.log`, port });
    },
  },
  caddy: {
    binary: findBinary('caddy'),
    debianPackage: 'caddy',
    brewPackage: 'caddy',
    errorLogs: ['stderr.log'],
    errorLine: /"level":"(?:error|panic|fatal)"/,
    async start(dir, site, port) {
      await writeConfig(dir, { 'site.caddy': site, Caddyfile: `{\n\tadmin off\n\tauto_https off\n}\nimport ${dir}/site.caddy\n` });
      const home = { HOME: dir, XDG_DATA_HOME: `${dir}/data`, XDG_CONFIG_HOME: `${dir}/config` };
      return startProcess(installed('caddy'), ['run', '--config', `${dir}/Caddyfile`, '--adapter', 'caddyfile'], { cwd: dir, logFile: `${dir}/stderr.log`, port, env: home });
    },
  },
};

/** The sentence that says how to install `proxy`, or undefined when it is installed. */
export function missingProxy(proxy: ProxyName): string | undefined {
  const server = servers[proxy];
  if (server.binary) return undefined;
  return `${proxy} is not installed: apt-get install ${server.debianPackage} (Debian, Ubuntu), or brew install ${server.brewPackage} (macOS).`;
}

/** The binary of `proxy`; missingProxy's sentence, thrown, when it is not installed. */
function installed(proxy: ProxyName): string {
  const binary = servers[proxy].binary;
  if (!binary) throw new Error(missingProxy(proxy));
  return binary;
}

/** The main configuration beside the site one proxyConfig generated, verbatim. */
async function writeConfig(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
}

/** Where `name` is installed: on PATH, or in the sbin folders Debian's servers use. */
export function findBinary(name: string): string | undefined {
  const folders = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'];
  return folders.filter(Boolean).map((folder) => join(folder, name)).find((path) => existsSync(path));
}
