/** The peer outside Koa: Fastify with @fastify/static. */
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';
import { exitOnTerm, filesDir, port } from './listen.js';

const app = Fastify();
await app.register(fastifyStatic, { root: filesDir });
await app.listen({ port, host: '127.0.0.1' });
exitOnTerm(() => app.close());
