/**
 * One fuzz run: every generated request sent to the three servers (over
 * keep-alive connections, a few at a time), each answer reduced and set
 * beside what RFC 9110 expects of that server, given its own validators.
 */
import { exchange, type Exchange } from '../harness/exchange.js';
import { urlPath } from '../harness/fixtures.js';
import { answerOf, differing, expectedAnswer, type Answer, type Field } from './answers.js';
import { files } from './files.js';
import { generate, resolve, type FuzzRequest, type Validators } from './generate.js';
import { rfcAnswer } from './model.js';
import { PREFIX, SERVERS, type ServerName } from './servers.js';

export interface Outcome {
  /** The headers sent, validators filled in. */
  sent: Record<string, string>;
  /** The answer's status line and headers, for a failure message. */
  head: string;
  answer: Answer;
  expected: Answer;
  /** Where the answer departs from RFC 9110. */
  departures: Field[];
}

export interface Observation {
  request: FuzzRequest;
  outcomes: Record<ServerName, Outcome>;
}

/** Requests in flight to each server: two cores, three servers, one of them in this process. */
const CONCURRENCY = 4;

const contentOf = new Map(files.map((file) => [file.name, file.content]));
const pathOf = (name: string) => urlPath(PREFIX, name);

/** Each server's ETag and Last-Modified for each file, as a client would have received them. */
async function validatorsOf(ports: Record<ServerName, number>): Promise<Record<ServerName, Map<string, Validators>>> {
  const entries = await Promise.all(
    SERVERS.map(async (server) => {
      const received = await Promise.all(files.map(async (file) => (await exchange(ports[server], pathOf(file.name), { method: 'HEAD' })).headers));
      const byFile = new Map<string, Validators>();
      files.forEach((file, index) => {
        const other = received[(index + 1) % files.length]!;
        byFile.set(file.name, { etag: received[index]!['etag'], lastModified: received[index]!['last-modified'], otherEtag: other['etag'] });
      });
      return [server, byFile] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<ServerName, Map<string, Validators>>;
}

const headOf = (status: number, headers: Record<string, string | undefined>) =>
  [`${status}`, ...Object.entries(headers).filter(([name]) => !['date', 'server', 'connection', 'keep-alive'].includes(name)).map(([name, value]) => `${name}: ${value}`)].join('\n');

/**
 * GET and HEAD are idempotent: a request that meets a connection the server
 * closed after answering the previous one on it (nginx 1.22 does so after
 * each 412, while saying keep-alive) is sent again. Each failure drops one
 * dead connection from the pool, which holds one per worker at most.
 */
async function exchangeOnce(port: number, path: string, method: string, headers: Record<string, string>): Promise<Exchange> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await exchange(port, path, { method, headers });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET' || attempt > CONCURRENCY) throw error;
    }
  }
}

async function observe(ports: Record<ServerName, number>, validators: Record<ServerName, Map<string, Validators>>, request: FuzzRequest): Promise<Observation> {
  const content = contentOf.get(request.file)!;
  const outcomes = await Promise.all(
    SERVERS.map(async (server): Promise<Outcome> => {
      const own = validators[server].get(request.file)!;
      const sent = resolve(request, own);
      const response = await exchangeOnce(ports[server], pathOf(request.file), request.method, sent).catch((error: Error) => {
        throw new Error(`${server}: ${error.message} for request ${request.index} ${request.method} ${JSON.stringify(sent)}`);
      });
      const answer = answerOf(response);
      const model = rfcAnswer(request.method, sent, { content, etag: own.etag, lastModified: own.lastModified });
      const expected = expectedAnswer(model, request.method, content);
      return { sent, head: headOf(response.status, response.headers), answer, expected, departures: differing(answer, expected, model.anyOrder) };
    }),
  );
  return { request, outcomes: Object.fromEntries(SERVERS.map((server, index) => [server, outcomes[index]!])) as Record<ServerName, Outcome> };
}

/** Sends `iterations` requests generated from `seed` (or only the one at index `only`), `concurrency` at a time to each server. */
export async function runFuzz(ports: Record<ServerName, number>, seed: number, iterations: number, options: { only?: number | undefined; concurrency?: number } = {}): Promise<Observation[]> {
  const { only, concurrency = CONCURRENCY } = options;
  const validators = await validatorsOf(ports);
  const requests = generate(seed, only === undefined ? iterations : only + 1).filter((request) => only === undefined || request.index === only);
  const observations: Observation[] = new Array(requests.length);
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const index = next++;
      observations[index] = await observe(ports, validators, requests[index]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return observations;
}
