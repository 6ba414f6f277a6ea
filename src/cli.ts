#!/usr/bin/env node
/**
 * The koa-downloadview command: prints a proxy configuration for a set of
 * rules, or checks a deployed offload. Exit codes: 0 fine, 1 the check
 * failed, 2 a usage or configuration error.
 */
import { readFile, realpath } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BackendName } from './backends/backend.js';
import { DownloadViewError } from './errors.js';
import { healthcheck } from './healthcheck.js';
import { proxyConfig } from './proxyConfig.js';

const USAGE = `Usage:
  koa-downloadview proxy-config <nginx|apache|lighttpd|caddy> --rules rules.json --app http://127.0.0.1:3000 [--listen [HOST:]PORT] [--server-name NAME] [--folder URL=DIR ...]
  koa-downloadview check <url> [--sha256 HEX | --file PATH]`;

const BACKENDS = ['nginx', 'apache', 'lighttpd', 'caddy'];

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

class UsageError extends Error {}

/** Runs the command `args` (without node and the script) and resolves to its exit code. */
export async function main(args: string[], output: Output): Promise<number> {
  try {
    const [command, ...rest] = args;
    if (command === 'proxy-config') return await printProxyConfig(rest, output);
    if (command === 'check') return await check(rest, output);
    if (command === '--help' || command === '-h' || command === 'help') return output.out(USAGE), 0;
    throw new UsageError(command ? `Unknown command ${JSON.stringify(command)}.` : 'No command given.');
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof DownloadViewError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) throw error;
    output.err((error as Error).message);
    if (error instanceof UsageError || !(error instanceof DownloadViewError)) output.err(USAGE);
    return 2;
  }
}

async function printProxyConfig(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { rules: { type: 'string' }, app: { type: 'string' }, listen: { type: 'string' }, 'server-name': { type: 'string' }, folder: { type: 'string', multiple: true } } });
  const [backend, ...extra] = positionals;
  if (!backend || !BACKENDS.includes(backend) || extra.length) throw new UsageError(`proxy-config needs one server: ${BACKENDS.join(', ')}.`);
  if (!values.rules || !values.app) throw new UsageError('proxy-config needs --rules (a JSON file with one rule or a list of rules) and --app (the URL of the Koa app).');
  let rules: unknown;
  try {
    rules = JSON.parse(await readFile(values.rules, 'utf8'));
  } catch (error) {
    throw new UsageError(`Cannot read the rules from ${values.rules}: ${(error as Error).message}`);
  }
  const folders = Object.fromEntries(
    (values.folder ?? []).map((pair) => {
      const [url, dir] = pair.split(/=(.*)/s);
      if (!url || !dir) throw new UsageError(`--folder takes URL=DIR, e.g. --folder /_protected/media/=/srv/media; got ${JSON.stringify(pair)}.`);
      return [url, dir];
    }),
  );
  const options = { appUrl: values.app, folders, ...(values.listen && { listen: values.listen }), ...(values['server-name'] && { serverName: values['server-name'] }) };
  output.out(proxyConfig(rules as never, backend as BackendName, options));
  return 0;
}

async function check(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { sha256: { type: 'string' }, file: { type: 'string' } } });
  if (positionals.length !== 1 || !URL.canParse(positionals[0]!)) throw new UsageError('check needs one URL: the download, through the proxy.');
  if (values.sha256 && values.file) throw new UsageError('Give --sha256 or --file, not both.');
  if (values.sha256 && !/^[0-9a-f]{64}$/i.test(values.sha256)) throw new UsageError('--sha256 takes 64 hexadecimal digits.');
  const result = await healthcheck(positionals[0]!, { ...(values.sha256 && { sha256: values.sha256 }), ...(values.file && { file: values.file }) });
  for (const sentence of result.sentences) (result.ok ? output.out : output.err)(sentence);
  return result.ok ? 0 : 1;
}

// Run when this file is the program (also through an npm bin symlink), not when a test imports it.
if (process.argv[1] && (await realpath(process.argv[1]).catch(() => '')) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), { out: (line) => console.log(line), err: (line) => console.error(line) });
}
