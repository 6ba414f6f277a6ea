/**
 * An answer reduced to what the fuzz compares: status, Content-Range,
 * Content-Length and the bytes (multipart bodies part by part, without the
 * boundary). An error page's body and length are the server's own and are
 * not compared; neither is anything about a 304.
 */
import { createHash } from 'node:crypto';
import { multipartParts, type Exchange } from '../harness/exchange.js';
import type { Expected } from './model.js';

export interface Answer {
  status: number;
  'content-range': string | undefined;
  'content-length': string | undefined;
  /** Each part's Content-Range and bytes, for multipart/byteranges. */
  parts: string[] | undefined;
  body: string | undefined;
}

export type Field = keyof Answer;
export const FIELDS: Field[] = ['status', 'content-range', 'content-length', 'parts', 'body'];

/** Short bytes as hex, longer ones by length and hash. */
export function digest(bytes: Buffer): string {
  return bytes.length <= 16 ? `"${bytes.toString('hex')}"` : `${bytes.length} bytes sha1:${createHash('sha1').update(bytes).digest('hex').slice(0, 10)}`;
}

const hasContent = (status: number) => status === 200 || status === 206;

export function answerOf(exchange: Exchange): Answer {
  const answer: Answer = { status: exchange.status, 'content-range': exchange.headers['content-range'], 'content-length': undefined, parts: undefined, body: undefined };
  if (!hasContent(exchange.status)) return answer;
  if (exchange.headers['content-type']?.startsWith('multipart/byteranges')) {
    // Its length depends on the boundary: the parts are compared instead.
    return { ...answer, 'content-length': 'multipart', parts: multipartParts(exchange).map((part) => `${part.headers['content-range']} ${digest(part.body)}`) };
  }
  return { ...answer, 'content-length': exchange.headers['content-length'], body: digest(exchange.body) };
}

/** The answer the model expects, in the same shape. */
export function expectedAnswer(expected: Expected, method: 'GET' | 'HEAD', content: Buffer): Answer {
  const answer: Answer = { status: expected.status, 'content-range': expected.contentRange, 'content-length': undefined, parts: undefined, body: undefined };
  if (expected.status === 200) return { ...answer, 'content-length': String(content.length), body: digest(method === 'HEAD' ? Buffer.alloc(0) : content) };
  if (expected.status !== 206) return answer;
  const slice = ([start, end]: [number, number]) => content.subarray(start, end + 1);
  if (expected.ranges!.length === 1) return { ...answer, 'content-length': String(slice(expected.ranges![0]!).length), body: digest(slice(expected.ranges![0]!)) };
  const parts = expected.ranges!.map((range) => `bytes ${range[0]}-${range[1]}/${content.length} ${digest(slice(range))}`);
  return { ...answer, 'content-length': 'multipart', parts };
}

/** The fields in which two answers differ; with `anyOrder`, multipart parts in any order. */
export function differing(actual: Answer, expected: Answer, anyOrder = false): Field[] {
  const shown = (answer: Answer, field: Field) => JSON.stringify(field === 'parts' && anyOrder ? answer.parts && [...answer.parts].sort() : answer[field]);
  return FIELDS.filter((field) => shown(actual, field) !== shown(expected, field));
}
