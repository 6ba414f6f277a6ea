#!/usr/bin/env node
/**
 * The koa-downloadview command: prints a proxy configuration for a set of
 * rules, or checks a deployed offload. Exit codes: 0 fine, 1 the check
 * failed, 2 a usage or configuration error.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BackendName } from './backends/backend.js';
import { DownloadViewError } from './errors.js';
import { healthcheck } from './healthcheck.js';
import { proxyConfig, proxyConfigFolders } from './proxyConfig.js';

const BACKENDS = ['nginx', 'apache', 'lighttpd', 'caddy'];
const COMMANDS = ['proxy-config', 'check'];

const PROXY_CONFIG_USAGE = 'koa-downloadview proxy-config <nginx|apache|lighttpd|caddy> --rules FILE --app URL [--listen [HOST:]PORT] [--server-name NAME] [--folder URL=DIR ...] [--edge-link URL=DIR ... --edge-secret-file FILE] [--access-log FILE] [--s3-cache DIR]';
const CHECK_USAGE = 'koa-downloadview check <url> [--sha256 HEX | --file PATH]';

const USAGE = `Usage:
  ${PROXY_CONFIG_USAGE}
  ${CHECK_USAGE}
  koa-downloadview --version
  koa-downloadview <command> --help

Commands:
  proxy-config  print the proxy configuration that serves the files your xSendfile rules offload
  check         download a file through the proxy and say whether the proxy sent it itself`;

const HELP: Record<string, string> = {
  'proxy-config': `Usage: ${PROXY_CONFIG_USAGE}

Prints the configuration of the proxy in front of the Koa app: an nginx
server block, an Apache <VirtualHost>, a lighttpd.conf fragment or a
Caddyfile. It forwards requests to the app and serves the files your
xSendfile rules hand to it. Rules for another backend are left out.

Options:
  --rules FILE          a JSON file with one rule or a list of rules, as given to
                        xSendfile, e.g. { "sourceDir": "/srv/media", "destinationUrl": "/_protected/media/" }
                        (required)
  --app URL             the http:// origin of the Koa app, e.g. http://127.0.0.1:3000, or
                        unix: and the absolute path of its Unix socket, e.g. unix:/run/koa-app.sock (required)
  --listen [HOST:]PORT  where the proxy listens, e.g. 80 or 127.0.0.1:8080; default 80
  --server-name NAME    the public host name, e.g. example.com; default any name
  --folder URL=DIR      nginx and caddy, for rules with sourceUrl only: the folder on disk
                        that the internal location URL (the rule's destinationUrl) serves,
                        e.g. --folder /_protected/media/=/srv/media; repeat it for each
                        destinationUrl. A sourceDir rule names its folder itself.
  --edge-link URL=DIR   nginx only: a public location where nginx checks signed links
                        itself (secure_link) and serves the file from DIR, the app not
                        asked, e.g. --edge-link /signed/=/srv/media; repeat it for each
                        location. Needs --edge-secret-file. See docs/signed-links.md.
  --edge-secret-file FILE
                        a file holding the edge secret of signedLinks({ edge: { secret } })
                        (32 characters or more); it is written into the configuration
  --access-log FILE     nginx only: an access log saying whether each answer was sent
                        whole ($request_completion) and its bytes: the completion of
                        offloaded downloads, e.g. --access-log /var/log/nginx/downloads.log.
                        See docs/observability.md.
  --s3-cache DIR        nginx only, for S3 rules: keep the objects nginx fetches from S3 on
                        its disk in DIR (1 GiB at most, each kept 600 s before nginx asks
                        S3 whether it changed), e.g. --s3-cache /var/cache/nginx/s3. Other
                        sizes: proxyConfig's s3Cache option. See docs/s3.md.
  -h, --help            this help

Exit code: 0 printed, 2 a usage or configuration error (the sentence says what to fix).
A folder that does not exist on this machine is only a warning, on stderr.

Example:
  npx koa-downloadview proxy-config nginx --rules rules.json --app http://127.0.0.1:3000 --listen 80`,
  check: `Usage: ${CHECK_USAGE}

Downloads <url>, a download route of the app reached through the proxy, and
says in sentences whether the proxy sent the file itself: no X-Sendfile or
X-Accel header reached the client, the app did not stream it (it marks each
answer it streams with X-Downloadview: streamed), the answer names the file
(Content-Disposition), and the bytes are the right ones.

Options:
  --sha256 HEX   the SHA-256 (64 hexadecimal digits) the file must have
  --file PATH    a local copy of the file: the download must have its bytes
  -h, --help     this help

Exit code: 0 offload works, 1 it does not (the sentences say why), 2 a usage error.

Example:
  npx koa-downloadview check https://example.com/media/a.pdf --file /srv/media/a.pdf`,
};

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string = USAGE,
  ) {
    super(message);
  }
}

/** Runs the command `args` (without node and the script) and resolves to its exit code. */
export async function main(args: string[], output: Output): Promise<number> {
  const [command, ...rest] = args;
  const usage = command && HELP[command] ? `Usage: ${command === 'check' ? CHECK_USAGE : PROXY_CONFIG_USAGE}\nRun koa-downloadview ${command} --help for what each option means.` : USAGE;
  try {
    if (command === '--version' || command === '-v') return output.out(await packageVersion(import.meta.url)), 0;
    if (command === '--help' || command === '-h' || command === 'help') return output.out(USAGE), 0;
    if (command && HELP[command] && (rest.includes('--help') || rest.includes('-h'))) return output.out(HELP[command]), 0;
    if (command === 'proxy-config') return await printProxyConfig(rest, output);
    if (command === 'check') return await check(rest, output);
    const guess = command && closest(command, COMMANDS);
    throw new UsageError(command ? `Unknown command ${JSON.stringify(command)}${guess ? `; did you mean ${guess}?` : '.'}` : 'No command given.');
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof DownloadViewError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) throw error;
    output.err((error as Error).message);
    if (!(error instanceof DownloadViewError)) output.err(usage);
    return 2;
  }
}

async function printProxyConfig(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { rules: { type: 'string' }, app: { type: 'string' }, listen: { type: 'string' }, 'server-name': { type: 'string' }, folder: { type: 'string', multiple: true }, 'edge-link': { type: 'string', multiple: true }, 'edge-secret-file': { type: 'string' }, 'access-log': { type: 'string' }, 's3-cache': { type: 'string' } } });
  const [backend, ...extra] = positionals;
  if (!backend) throw new UsageError(`proxy-config needs a backend: one of ${BACKENDS.join(', ')}.`);
  if (extra.length) throw new UsageError(`proxy-config takes one backend; got ${positionals.map((name) => JSON.stringify(name)).join(', ')}.`);
  if (!BACKENDS.includes(backend)) {
    const guess = closest(backend, BACKENDS);
    throw new UsageError(`proxy-config: unknown backend ${JSON.stringify(backend)}; ${guess ? `did you mean ${guess}? Use` : 'use'} one of ${BACKENDS.join(', ')}.`);
  }
  if (!values.rules || !values.app) throw new UsageError('proxy-config needs --rules (a JSON file with one rule or a list of rules) and --app (the URL of the Koa app).');
  let rules: unknown;
  try {
    rules = JSON.parse(await readFile(values.rules, 'utf8'));
  } catch (error) {
    throw new UsageError(`Cannot read the rules from ${values.rules}: ${(error as Error).message}`);
  }
  const folders = urlDirPairs(values.folder, '--folder /_protected/media/=/srv/media');
  const edgeLinks = await edgeLinksOption(values['edge-link'], values['edge-secret-file']);
  const options = { appUrl: values.app, folders, ...(values.listen && { listen: values.listen }), ...(values['server-name'] && { serverName: values['server-name'] }), ...(edgeLinks && { edgeLinks }), ...(values['access-log'] && { accessLog: values['access-log'] }), ...(values['s3-cache'] && { s3Cache: { path: values['s3-cache'] } }) };
  output.out(proxyConfig(rules as never, backend as BackendName, options));
  for (const folder of proxyConfigFolders(rules as never, backend as BackendName, options)) {
    const found = await stat(folder).catch(() => undefined);
    if (!found?.isDirectory()) {
      output.err(`Warning: the folder ${folder} ${found ? 'is not a folder' : 'does not exist'} on this machine: ${backend} will not find the files it is handed until it does (ignore this if the configuration is for another machine).`);
    }
  }
  return 0;
}

/** `URL=DIR` flags as an object; `example` shows the flag with its value. */
function urlDirPairs(pairs: string[] | undefined, example: string): Record<string, string> {
  return Object.fromEntries(
    (pairs ?? []).map((pair) => {
      const [url, dir] = pair.split(/=(.*)/s);
      if (!url || !dir) throw new UsageError(`${example.split(' ')[0]} takes URL=DIR, e.g. ${example}; got ${JSON.stringify(pair)}.`);
      return [url, dir];
    }),
  );
}

/** --edge-link and --edge-secret-file, which go together; the secret is read from its file (a command line is visible to every user). */
async function edgeLinksOption(links: string[] | undefined, secretFile: string | undefined): Promise<{ secret: string; folders: Record<string, string> } | undefined> {
  if (!links?.length && secretFile === undefined) return undefined;
  if (!links?.length || secretFile === undefined) throw new UsageError('--edge-link and --edge-secret-file go together: the locations where nginx checks signed links, and the file holding their secret.');
  const folders = urlDirPairs(links, '--edge-link /signed/=/srv/media');
  const secret = await readFile(secretFile, 'utf8').catch((error: Error) => {
    throw new UsageError(`Cannot read the edge secret from ${secretFile}: ${error.message}`);
  });
  return { secret: secret.trim(), folders };
}

async function check(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { sha256: { type: 'string' }, file: { type: 'string' } } });
  if (positionals.length !== 1 || !URL.canParse(positionals[0]!)) throw new UsageError('check needs one URL: the download, through the proxy.');
  if (values.sha256 && values.file) throw new UsageError('Give --sha256 or --file, not both.');
  if (values.sha256 && !/^[0-9a-f]{64}$/i.test(values.sha256)) throw new UsageError('--sha256 takes 64 hexadecimal digits.');
  if (values.file) {
    const found = await stat(values.file).catch((error: Error) => {
      throw new UsageError(`--file ${values.file} cannot be read: ${error.message}.`);
    });
    if (!found.isFile()) throw new UsageError(`--file ${values.file} is not a file.`);
  }
  const result = await healthcheck(positionals[0]!, { ...(values.sha256 && { sha256: values.sha256 }), ...(values.file && { file: values.file }) });
  for (const sentence of result.sentences) (result.ok ? output.out : output.err)(sentence);
  return result.ok ? 0 : 1;
}

/** The version in koa-downloadview's package.json, found from the module at `moduleUrl`: src/cli.ts and dist/src/cli.js alike. */
export async function packageVersion(moduleUrl: string): Promise<string> {
  for (let dir = dirname(fileURLToPath(moduleUrl)); ; dir = dirname(dir)) {
    const text = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
    const found = text === undefined ? undefined : (JSON.parse(text) as { name?: string; version?: string });
    if (found?.name === 'koa-downloadview' && found.version) return found.version;
    if (dirname(dir) === dir) throw new Error(`No package.json of koa-downloadview above ${fileURLToPath(moduleUrl)}.`);
  }
}

/** The candidate at most two edits (a swap of neighbours is one) away from `word`, for a did-you-mean. */
function closest(word: string, candidates: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
      }
    }
    return d[a.length]![b.length]!;
  };
  const [best] = candidates.map((candidate) => [candidate, distance(word.toLowerCase(), candidate)] as const).sort((x, y) => x[1] - y[1]);
  return best && best[1] <= 2 ? best[0] : undefined;
}

// Run when this file is the program (also through an npm bin symlink), not when a test imports it.
if (process.argv[1] && (await realpath(process.argv[1]).catch(() => '')) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), { out: (line) => console.log(line), err: (line) => console.error(line) });
}
