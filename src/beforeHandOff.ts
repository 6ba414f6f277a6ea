/**
 * What the route decides itself before a hand-off. The proxy answers Range
 * and conditional requests, but some of its answers carry no file and are
 * wrong for a download: nginx's and Caddy's 416, Apache's and Caddy's 412
 * keep the app's Content-Disposition (curl -OJ and browsers save the error
 * page under the file's name); Apache's and lighttpd's 416 have no
 * Content-Range; lighttpd ignores If-Match and If-Unmodified-Since; a Range
 * on a 0-byte file gets a 200 or a malformed 206. So a request with a Range,
 * If-Match or If-Unmodified-Since is looked up first and evaluated with the
 * validators the proxy sends (its ETag: the client holds that one). A 412 or
 * 416 is then answered by the route, as Koa answers it, and so is a Range on
 * a 0-byte file (tiny: Node sends it); anything else is handed off. A plain
 * GET, nearly all of the traffic, costs no look-up.
 */
import type { Context } from 'koa';
import type { FileStat } from '../storages/storage.js';
import { evaluateConditions, rangeIsFresh, type Validators } from './conditional.js';
import type { DownloadFile } from './downloadFile.js';
import { selectRanges } from './ranges.js';
import { offloadPlan, type OffloadPlan } from './record.js';

const REFUSED = Symbol('koa-downloadview.refusedHandOff');

/** What the look-up found, for the route to answer with: no second look-up. */
export interface RefusedHandOff {
  stat: Partial<FileStat>;
  validators: Validators;
}

interface Marked {
  [REFUSED]?: RefusedHandOff;
}

/**
 * The offload plan for `file`, or undefined when there is none, or when the
 * proxy would answer 412 or 416, or is asked for a range of a 0-byte file:
 * the route then answers, and `refusedHandOff` gives it the file's stat and
 * the validators to evaluate the request with.
 */
export function handOffPlan(ctx: Context, file: DownloadFile): OffloadPlan | undefined | Promise<OffloadPlan | undefined> {
  const plan = offloadPlan(ctx, file);
  const { headers } = ctx;
  const ranged = ctx.method === 'GET' && headers.range !== undefined && file.acceptsRanges !== false;
  if (!plan?.proxyEtags || !(ranged || headers['if-match'] !== undefined || headers['if-unmodified-since'] !== undefined)) return plan;
  return lookedUpPlan(ctx, file, plan, plan.proxyEtags, ranged);
}

/** The plan for a request the proxy might answer wrongly, after a look-up of the file. */
async function lookedUpPlan(ctx: Context, file: DownloadFile, plan: OffloadPlan, proxyEtags: NonNullable<OffloadPlan['proxyEtags']>, ranged: boolean): Promise<OffloadPlan | undefined> {
  const { headers } = ctx;
  // The storage's own look-up: a missing file is the route's 404, and a symlink out of the folder is refused before its size is told.
  const stat = await file.stat();
  // Last-Modified is the file's time in whole seconds, for the proxy as for Koa; the ETag is the proxy's, needed only when the request names one.
  const named = [headers['if-match'], headers['if-none-match'], headers['if-range']].filter((value) => value?.includes('"')).join(', ');
  const etags = named ? await proxyEtags(file) : [];
  // The spelling of the proxy's version, which the client sent back; else any.
  const validators: Validators = { lastModified: stat.modifiedTime?.toUTCString(), etag: etags.find((etag) => named.includes(etag)) ?? etags[0] };
  const condition = evaluateConditions(ctx.method, headers, validators);
  const unsatisfiable = ranged && condition === 'proceed' && stat.size !== undefined && rangeIsFresh(ctx.get('If-Range') || undefined, validators) && selectRanges(ctx.get('Range'), stat.size) === 'unsatisfiable';
  const emptyRanged = ranged && stat.size === 0;
  if (condition !== 'precondition-failed' && !unsatisfiable && !emptyRanged) {
    // Looked up already: the hand-off needs no second look-up.
    return plan.checkFile ? { ...plan, checkFile: false } : plan;
  }
  (ctx as Context & Marked)[REFUSED] = { stat, validators };
  return undefined;
}

/** The look-up and the proxy's validators when the route answers a request in the proxy's stead; else undefined. */
export function refusedHandOff(ctx: Context): RefusedHandOff | undefined {
  return (ctx as Context & Marked)[REFUSED];
}
