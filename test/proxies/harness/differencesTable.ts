/**
 * The tables of docs/proxy-differences.md, made from what the parity test
 * measured: what each proxy answered to each request of the matrix, next to
 * Koa, and the documented differences with the statuses seen. The test fails
 * when the committed page differs, so the page cannot drift from the servers.
 */
import { resolve } from 'node:path';
import { tableGroups, type FileGroup } from './cases.js';
import { forcedDifferences, type Field } from './differences.js';
import { requests } from './requests.js';
import { servers, type ProxyName } from './servers.js';

export const DOC = resolve(import.meta.dirname, '../../../docs/proxy-differences.md');
const START = '<!-- parity tables: written by test/proxies/parity.test.ts (UPDATE_DOCS=1), do not edit -->';
const END = '<!-- end of parity tables -->';

export interface Observation {
  proxy: ProxyName;
  request: string;
  name: string;
  koa: Omit<Record<Field, unknown>, 'body'>;
  proxied: Omit<Record<Field, unknown>, 'body'>;
  /** Sorted. */
  differing: Field[];
}

const PROXY_TITLES: Record<ProxyName, string> = { nginx: 'nginx', apache: 'Apache', lighttpd: 'lighttpd', caddy: 'Caddy' };
const PROXIES = Object.keys(servers) as ProxyName[];

/** `doc` with its generated block replaced by `tables`. */
export function replaceTables(doc: string, tables: string): string {
  return replaceBlock(doc, START, END, tables);
}

/** `doc` with what stands between the markers `start` and `end` replaced by `text`. */
export function replaceBlock(doc: string, start: string, end: string, text: string): string {
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from === -1 || to < from) throw new Error(`${DOC} lost its markers ${start} … ${end}`);
  return `${doc.slice(0, from + start.length)}\n\n${text}\n${doc.slice(to)}`;
}

export function renderTables(observations: Observation[]): string {
  return `${answersTable(observations)}\n${differencesTable(observations)}`;
}

/** One row per request and group of files: Koa's status, then what each proxy answered. */
function answersTable(observations: Observation[]): string {
  const lines = [`| request | files | Koa | ${PROXIES.map((proxy) => PROXY_TITLES[proxy]).join(' | ')} |`, `| --- | --- | --- |${' --- |'.repeat(PROXIES.length)}`];
  for (const request of requests) {
    for (const group of tableGroups) {
      const seen = observations.filter((observation) => observation.request === request.label && group.has(observation.name));
      if (seen.length === 0) continue;
      const koa = distinct(seen.filter((observation) => observation.proxy === PROXIES[0]).map((observation) => koaAnswer(observation.koa))).join(' or ');
      const cells = PROXIES.map((proxy) => proxyCell(seen.filter((observation) => observation.proxy === proxy), group));
      lines.push(`| ${request.label} | ${group.label} | ${koa} | ${cells.join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One row per documented difference, with the statuses it was seen with. */
function differencesTable(observations: Observation[]): string {
  const lines = ['| proxy | requests | files | what differs | Koa → proxy | why |', '| --- | --- | --- | --- | --- | --- |'];
  for (const entry of forcedDifferences) {
    const seen = observations.filter((observation) => entry.proxies.includes(observation.proxy) && entry.requests.includes(observation.request) && entry.files.has(observation.name));
    const statuses = distinct(seen.map((observation) => `${observation.koa.status} → ${observation.proxied.status}`)).join(', ');
    const proxies = entry.proxies.map((proxy) => PROXY_TITLES[proxy]).join(', ');
    lines.push(`| ${proxies} | ${entry.requests.join('; ')} | ${entry.files.label} | ${entry.fields.map(fieldName).join(', ')} | ${statuses || 'not seen'} | ${entry.why} |`);
  }
  return `${lines.join('\n')}\n`;
}

function koaAnswer(answer: Observation['koa']): string {
  return answer['content-range'] && answer.status === 416 ? `416, Content-Range` : String(answer.status);
}

/** "same" when the proxy answered as Koa for every file; else each kind of answer, and the files it was for when not all. */
function proxyCell(seen: Observation[], group: FileGroup): string {
  if (seen.length === 0) return 'not run';
  const variants = new Map<string, string[]>();
  for (const observation of seen) {
    const others = observation.differing.filter((field) => field !== 'status').map(fieldName);
    const label = observation.differing.length === 0 ? 'same' : `${observation.proxied.status}${others.length ? `; differs: ${others.join(', ')}` : ''}`;
    variants.set(label, [...(variants.get(label) ?? []), observation.name]);
  }
  const names = new Set(seen.map((observation) => observation.name));
  return [...variants]
    .map(([label, which]) => (variants.size === 1 || which.length === names.size ? label : `${label} (${which.length <= 2 ? which.map((name) => `\`${name}\``).join(', ') : `${which.length} of ${group.label}`})`))
    .join('; ')
    .replace(/\|/g, '\\|');
}

const FIELD_NAMES: Record<Field, string> = {
  status: 'status',
  'content-type': 'Content-Type',
  'content-disposition': 'Content-Disposition',
  'content-length': 'Content-Length',
  'content-range': 'Content-Range',
  'accept-ranges': 'Accept-Ranges',
  body: 'body',
};

function fieldName(field: Field): string {
  return FIELD_NAMES[field];
}

function distinct(values: string[]): string[] {
  return [...new Set(values)];
}
