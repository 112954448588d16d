// Security headers are computed once and replayed on each answer. Replaying
// must give exactly what helmet's own middleware gives for the same options
// (a header dropped or changed here would open pages to framing or foreign
// scripts), and a per-request directive (a nonce) must still be computed
// per request rather than frozen at start.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import { registerSecurityHeaders } from '../src/http/security-headers.js';

const OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { directives: { 'form-action': null, 'script-src': ["'self'"], 'img-src': ["'self'", 'data:'] } },
};

async function headersOf(register: (app: FastifyInstance) => void): Promise<Record<string, unknown>> {
  const app = Fastify();
  register(app);
  app.get('/', async () => ({ ok: true }));
  const response = await app.inject({ method: 'GET', url: '/' });
  await app.close();
  const headers: Record<string, unknown> = { ...response.headers };
  delete headers.date;
  delete headers['content-length'];
  return headers;
}

test('replayed headers are exactly what helmet sets for the same options', async () => {
  const apply = helmet(OPTIONS);
  const reference = await headersOf((app) => app.addHook('onRequest', (request, reply, done) => {
    apply(request.raw, reply.raw, () => done());
  }));
  const replayed = await headersOf((app) => registerSecurityHeaders(app, OPTIONS));
  assert.ok(Object.keys(reference).length >= 10, 'helmet set its headers on the reference');
  assert.deepEqual(replayed, reference);
});

test('a directive computed per request is not frozen at start', async () => {
  let count = 0;
  const nonce = (_request: IncomingMessage, _response: ServerResponse) => `'nonce-n${++count}'`;
  const app = Fastify();
  registerSecurityHeaders(app, { contentSecurityPolicy: { directives: { 'script-src': ["'self'", nonce] } } });
  app.get('/', async () => ({ ok: true }));
  const first = await app.inject({ method: 'GET', url: '/' });
  const second = await app.inject({ method: 'GET', url: '/' });
  await app.close();
  assert.match(String(first.headers['content-security-policy']), /'nonce-n\d+'/);
  assert.notEqual(first.headers['content-security-policy'], second.headers['content-security-policy']);
});
