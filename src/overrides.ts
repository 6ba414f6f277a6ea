/**
 * What a middleware mounted before a download route changes in that route's
 * answer, for this request only: signed links carry the disposition and the
 * name they grant, and how long the answer may be cached. sendFile reads
 * them; a symbol keeps them off `ctx.state`, where application code or a
 * request could forge them (as record.ts does for offload).
 */
import type { Context } from 'koa';
import type { DownloadOptions } from './options.js';

export interface DownloadOverrides {
  attachment?: boolean;
  basename?: string;
  /** The answer may be kept this many seconds at most, and by the client alone: `private, max-age=…`. A route's `no-store` or shorter max-age stays. */
  maxAge?: number;
}

const OVERRIDES = Symbol('koa-downloadview.overrides');

interface Marked {
  [OVERRIDES]?: DownloadOverrides;
}

export function overrideDownload(ctx: Context, overrides: DownloadOverrides): void {
  const marked = ctx as Context & Marked;
  marked[OVERRIDES] = { ...marked[OVERRIDES], ...overrides };
}

/** The route's options with this request's overrides applied. */
export function withOverrides(ctx: Context, options: DownloadOptions): DownloadOptions {
  const overrides = (ctx as Context & Marked)[OVERRIDES];
  if (!overrides) return options;
  const { attachment, basename, maxAge } = overrides;
  return {
    ...options,
    ...(attachment !== undefined && { attachment }),
    ...(basename !== undefined && { basename }),
    ...(maxAge !== undefined && { cacheControl: privateCacheControl(options.cacheControl, maxAge) }),
  };
}

function privateCacheControl(route: string | undefined, maxAge: number): string {
  if (route && /(^|[\s,])no-store($|[\s,])/i.test(route)) return route;
  const routeMaxAge = route && /(?:^|[\s,])max-age=(\d+)/i.exec(route)?.[1];
  return `private, max-age=${routeMaxAge ? Math.min(Number(routeMaxAge), maxAge) : maxAge}`;
}
