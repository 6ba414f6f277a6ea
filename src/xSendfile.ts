/**
 * xSendfile: hands downloads of local (or URL-matched) files to the reverse
 * proxy. Mounted globally or per route; see docs/ for each proxy's config.
 */
import type { Context, Middleware } from 'koa';
import { debuglog } from 'node:util';
import { FileSystemStorage } from '../storages/filesystem.js';
import type { DownloadFile } from './downloadFile.js';
import { setHeaders } from './headers.js';
import { announceOffload, untouchedDownload, type OffloadPlan, type RecordedDownload } from './record.js';
import { StorageFile } from './storageFile.js';
import { compileRules, type CompiledRule, type Rule, type XSendfileOptions } from './rules.js';

export type { XSendfileOptions } from './rules.js';

const debug = debuglog('koa-downloadview');

/**
 * Answers downloads recorded by our routes with an internal redirect
 * (X-Accel-Redirect or X-Sendfile) when a rule matches the file: status 200,
 * the route's Content-Type, Content-Disposition and Cache-Control, no body.
 * The proxy then does Range and conditional requests itself. The route's lazy
 * body is dropped unopened: no file descriptor, no storage request.
 *
 * The first matching rule wins. Virtual files, and files no rule matches,
 * stream from Node as usual (NODE_DEBUG=koa-downloadview logs why).
 * Everything comes from `rules`; request headers such as X-Sendfile-Type or
 * X-Accel-Mapping are never read.
 *
 * @throws ImproperlyConfiguredError when a rule can never work, at build time.
 */
export function xSendfile(rules: Rule | Rule[], options?: XSendfileOptions): Middleware {
  const compiled = compileRules(rules, options);
  // The route asks once, before it runs; the plan keeps the match for the hand-off.
  const claim = (file: DownloadFile): HandOffPlan | undefined => {
    for (const rule of compiled) {
      const name = rule.match(file);
      if (name !== undefined) return { checkFile: rule.checkFile && confinesSymlinks(file), by: rule.backend, rule, name, proxyEtags: rule.proxyEtags };
    }
    return undefined;
  };

  // A plain function returning next()'s promise: one async frame fewer on every request, offloaded or not.
  return function xSendfileMiddleware(ctx, next) {
    announceOffload(ctx, claim);
    return next().then(() => handOff(ctx, compiled));
  };
}

/**
 * Whether `file` refuses a symlink out of its folder, which a proxy that
 * follows symlinks must then be kept from serving. A FileSystemStorage with
 * followSymlinksOutside serves such files itself: nothing to check, so its
 * hand-offs cost no look-up. Any other file with a path is checked.
 */
function confinesSymlinks(file: DownloadFile): boolean {
  return !(file instanceof StorageFile && file.storage instanceof FileSystemStorage && file.storage.followSymlinksOutside);
}

function handOff(ctx: Context, compiled: CompiledRule[]): void | Promise<void> {
  const record = untouchedDownload(ctx);
  if (!record) return;
  const plan = record.offload as HandOffPlan | undefined;
  // A plan of another middleware (an inner xSendfile, a signed-URL redirect) is that middleware's to carry out.
  if (!plan || !compiled.includes(plan.rule)) {
    if (!plan && debug.enabled) {
      const where = record.file.path ?? record.file.url;
      if (where) debug('xSendfile: no rule matches %s (%s); Node streams it', record.file.name, where);
      else debug('xSendfile: %s has no path and no URL (a virtual file); Node streams it', record.file.name);
    }
    return;
  }

  const { rule } = plan;
  const headers = rule.handOff(plan.name, ctx.method);
  // An S3 hand-off presigns (no request, but asynchronous: the credentials provider is); a file's is a string join.
  return headers instanceof Promise ? headers.then((resolved) => finishHandOff(ctx, rule, record, resolved)) : finishHandOff(ctx, rule, record, headers);
}

function finishHandOff(ctx: Context, rule: CompiledRule, record: RecordedDownload, headers: Record<string, string>): void {
  setHeaders(ctx, headers);
  const disposition = record.headers['Content-Disposition'];
  if (rule.dispositionHeader && disposition !== undefined && !ctx.res.headersSent) {
    // nginx would copy a Content-Disposition into its own 404 and 416 pages: the generated configuration adds this one back to the answers that carry the file.
    ctx.res.removeHeader('Content-Disposition');
    ctx.res.setHeader(rule.dispositionHeader, disposition);
  }
  // An empty body with Content-Length: 0, never the file's length (the proxy
  // sets that). The proxy then knows the hand-off is over and can reuse its
  // kept-alive connection to the app: without the length (a chunked empty
  // body), nginx closed it after every hand-off, 0.28× the offload floor
  // instead of 0.86× at 13 bytes (npm run bench). A string: Node writes it and
  // the headers in one write(2), an empty Buffer with a slower writev(2). A
  // null body would lose Content-Type in Koa.
  ctx.body = '';
}

interface HandOffPlan extends OffloadPlan {
  rule: CompiledRule;
  /** The file's path below the rule's source, decoded and checked. */
  name: string;
}
