/**
 * Checks a deployed offload from outside: fetch a download through the proxy
 * and tell, in sentences, whether the proxy sent the file itself.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { STREAMED_HEADER, STREAMED_VALUE } from './streamedMark.js';

export interface HealthcheckOptions {
  /** The SHA-256 (hex) the file must have. */
  sha256?: string;
  /** A local copy of the file the URL must serve. */
  file?: string;
  /** Headers to send, e.g. a session cookie. */
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
}

export interface HealthcheckResult {
  /** True when offload works: the proxy sent the file (the app did not stream it, no leaked header), a 2xx answer with a Content-Disposition, and the expected bytes when given. */
  ok: boolean;
  url: string;
  /** The proxy's status, undefined when it could not be reached. */
  status: number | undefined;
  /** X-Sendfile / X-Accel-* headers that reached the client: the proxy did not intercept them. */
  leakedHeaders: string[];
  /** Size and SHA-256 of the body received. */
  bytes: number | undefined;
  sha256: string | undefined;
  /** One sentence per failure. */
  problems: string[];
  /** The whole verdict in plain sentences, problems first. */
  sentences: string[];
}

const INTERNAL_HEADER = /^(x-sendfile|x-lighttpd-send-file|x-accel-.*)$/i;

/**
 * Fetches `url` (a download route behind the proxy) and reports whether the
 * proxy intercepted the hand-off and served the right bytes. Never throws for
 * a failing deployment: the result says what is wrong.
 */
export async function healthcheck(url: string, options: HealthcheckOptions = {}): Promise<HealthcheckResult> {
  const result: HealthcheckResult = { ok: false, url, status: undefined, leakedHeaders: [], bytes: undefined, sha256: undefined, problems: [], sentences: [] };
  let response: Response;
  let body: Buffer;
  try {
    response = await (options.fetch ?? fetch)(url, { headers: options.headers ?? {}, redirect: 'follow' });
    body = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    return finish(result, [`${url} could not be fetched: ${fetchFailure(error)}.`]);
  }
  result.status = response.status;
  result.bytes = body.length;
  result.sha256 = createHash('sha256').update(body).digest('hex');
  response.headers.forEach((_value, name) => {
    if (INTERNAL_HEADER.test(name)) result.leakedHeaders.push(name);
  });

  const problems: string[] = [];
  if (result.leakedHeaders.length) {
    const shown = result.leakedHeaders.map((name) => `${name}: ${response.headers.get(name)}`).join(', ');
    problems.push(`The response carries ${shown}, so the proxy did not intercept the hand-off: the client got the app's empty answer. Check that this URL goes through the proxy and that its configuration is the one for this backend (npx koa-downloadview proxy-config).`);
  }
  const streamed = response.ok && response.headers.get(STREAMED_HEADER) === STREAMED_VALUE;
  if (streamed) {
    problems.push(
      `Node sent the file, not the proxy: the answer carries ${STREAMED_HEADER}: ${STREAMED_VALUE}, which the app sets on every file it streams itself. Either this URL does not go through the proxy, or its route has no xSendfile, or no rule matched the file: a sourceDir or sourceUrl that is not the storage's folder or baseUrl, or a name the backend cannot be handed (Caddy: one with "?"); or the file is one no proxy can be handed (generated content, a VirtualFile, a MemoryStorage file, a ZIP), which Node always streams: check the URL of a file on disk or in S3. Run the app with NODE_DEBUG=koa-downloadview to see why each file streams.`,
    );
  } else if (response.ok && !result.leakedHeaders.length && !response.headers.has('content-disposition')) {
    problems.push(
      "The answer has no Content-Disposition: a browser shows the file, or saves it under the URL's name. Behind nginx the app sends it as X-Accel-Content-Disposition, which the generated configuration turns back into Content-Disposition: regenerate it (npx koa-downloadview proxy-config), add `add_header Content-Disposition $upstream_http_x_accel_content_disposition;` to a hand-written internal location, or give the rule dispositionHeader: 'Content-Disposition' (docs/nginx.md).",
    );
  }
  if (response.status === 404 || response.status === 403) {
    problems.push(`The answer is ${response.status}: the app has no file at this URL, or the path the proxy was handed does not lead to a file it may serve. Check the URL, then compare the rule's destination (destinationUrl or destinationDir) with the proxy's internal location, alias or XSendFilePath, and check that the proxy's user can read the file.`);
  } else if (response.status < 200 || response.status > 299) {
    problems.push(`The proxy answered ${response.status}, not 200.`);
  }
  const expected = options.file ? await fileDigest(options.file, problems) : options.sha256?.toLowerCase();
  if (!expected && response.ok && body.length === 0 && !result.leakedHeaders.length) {
    problems.push('The proxy answered with an empty body: it dropped the hand-off header without sending the file (lighttpd does so when x-sendfile is disabled). If the file really is empty, give its SHA-256 to check it.');
  }
  if (expected && response.ok && expected !== result.sha256) {
    problems.push(`The body differs from the expected file: SHA-256 ${result.sha256} (${body.length} bytes), expected ${expected}. The proxy served another file, or a truncated one.`);
  }
  return finish(result, problems, expected);
}

const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved now',
  ETIMEDOUT: 'no answer in time',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'no route to the host',
};

/** What fetch's bare "fetch failed" hides: the system error, where it went, and what it means, e.g. `ECONNREFUSED 127.0.0.1:8080 (nothing listens there)`. */
function fetchFailure(error: unknown): string {
  type SystemError = Error & { code?: string; address?: string; port?: number; hostname?: string; errors?: SystemError[] };
  const cause = (error as { cause?: SystemError }).cause;
  if (!cause?.code) return cause?.message ? `${(error as Error).message} (${cause.message})` : (error as Error).message;
  // Both addresses of localhost refused: an AggregateError with one error each.
  const attempts = cause.errors?.length ? cause.errors : [cause];
  const where = attempts
    .map((attempt) => (attempt.address ? `${attempt.address.includes(':') ? `[${attempt.address}]` : attempt.address}${attempt.port ? `:${attempt.port}` : ''}` : attempt.hostname))
    .filter(Boolean);
  const meaning = CAUSES[cause.code] ?? cause.message;
  return `${[cause.code, [...new Set(where)].join(', ')].filter(Boolean).join(' ')}${meaning ? ` (${meaning})` : ''}`;
}

async function fileDigest(file: string, problems: string[]): Promise<string | undefined> {
  try {
    return createHash('sha256').update(await readFile(file)).digest('hex');
  } catch (error) {
    problems.push(`The expected file ${file} cannot be read: ${(error as Error).message}.`);
    return undefined;
  }
}

function finish(result: HealthcheckResult, problems: string[], expected?: string): HealthcheckResult {
  result.problems = problems;
  result.ok = problems.length === 0;
  if (result.ok) {
    const checked = expected ? 'the expected bytes' : `${result.bytes} bytes (SHA-256 ${result.sha256}; give --sha256 or --file to check them)`;
    result.sentences = [`Offload works: ${result.url} answered ${result.status} with ${checked}, sent by the proxy: the app did not stream it (no ${STREAMED_HEADER}: ${STREAMED_VALUE}), and no X-Sendfile or X-Accel header reached the client.`];
  } else {
    result.sentences = [...problems, `Offload does not work for ${result.url}.`];
  }
  return result;
}
