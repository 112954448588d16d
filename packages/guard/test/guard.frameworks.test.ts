// The guard wired into real frameworks: Express 5 and node:http on loopback
// sockets called with fetch, Fastify 5 through inject(). Each adapter lets
// good tokens through with the verified facts, answers refusals with the
// same status, challenge and body, and hands other errors to the framework.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '@stepwise/core';
import express from 'express';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { authOf, type StepwiseGuard, type VerifiedAuth } from '../src/index.js';
import { closeServer, listen } from './support/http.js';
import { startIssuer, type TestIssuer } from './support/issuer.js';
import { guardFor } from './support/verdict.js';


declare module 'fastify' {
  interface FastifyRequest {
    auth?: VerifiedAuth;
  }
}

const STEP_UP_CHALLENGE =
  'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="aal2", max_age=300';
const MISSING_BODY = { error: 'ERR_TOKEN_MISSING', message: 'A bearer access token is required' };

let issuer: TestIssuer;
let guard: StepwiseGuard;

before(async () => {
  issuer = await startIssuer();
  guard = guardFor(issuer);
});
after(() => issuer.close());

describe('Express 5', () => {
  let server: Server;
  let base: string;
  let handled = 0;
  let errorSeen: unknown;

  before(async () => {
    const app = express();
    app.get('/x', guard.express({ acr: 'aal1' }), (req, res) => {
      handled += 1;
      res.json({ sub: authOf(req).subject });
    });
    app.post(
      '/transfers',
      express.json(),
      guard.express<express.Request>((req) => ((req.body as { amount?: number }).amount ?? 0) > 1000 ? { acr: 'aal2', maxAge: 300 } : { acr: 'aal1' }),
      (req, res) => {
        res.json({ sub: authOf(req).subject, acr: authOf(req).acr });
      },
    );
    app.get('/misconfigured', guard.express({ acr: 'aal9' }), (_req, res) => {
      handled += 1;
      res.json({});
    });
    app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errorSeen = error;
      res.status(500).json({ handled: error instanceof ConfigError ? error.code : 'other' });
    });
    server = createServer(app);
    base = await listen(server);
  });
  after(() => closeServer(server));

  const transfer = async (token: string, amount: number) =>
    fetch(`${base}/transfers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount }),
    });

  test('a good token reaches the handler, which reads authOf(req)', async () => {
    const response = await fetch(`${base}/x`, { headers: { authorization: `Bearer ${await issuer.sign({ sub: 'usr_carol' })}` } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { sub: 'usr_carol' });
  });

  test('no token: 401 with the challenge and the JSON body, and the handler never runs', async () => {
    const before = handled;
    const response = await fetch(`${base}/x`);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await response.json(), MISSING_BODY);
    assert.equal(handled, before);
  });

  test('a requirement computed from the parsed body: large transfers need a fresh aal2', async () => {
    const aal1 = await issuer.sign({ acr: 'aal1' });
    assert.equal((await transfer(aal1, 500)).status, 200);

    const refused = await transfer(aal1, 5000);
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('www-authenticate'), STEP_UP_CHALLENGE);
    assert.deepEqual(await refused.json(), {
      error: 'ERR_INSUFFICIENT_USER_AUTHENTICATION',
      message: 'A different authentication level is required',
      oauth_error: 'insufficient_user_authentication',
      acr_values: ['aal2'],
      max_age: 300,
    });

    const stepped = await transfer(await issuer.sign({ acr: 'aal2', amr: ['pwd', 'otp'] }), 5000);
    assert.equal(stepped.status, 200);
    assert.deepEqual(await stepped.json(), { sub: 'usr_alice', acr: 'aal2' });
  });

  test('an error that is not a refusal goes to the Express error handler', async () => {
    const before = handled;
    const response = await fetch(`${base}/misconfigured`, { headers: { authorization: `Bearer ${await issuer.sign()}` } });
    assert.equal(response.status, 500);
    assert.deepEqual(await response.json(), { handled: 'ERR_CONFIG_INVALID' });
    assert.ok(errorSeen instanceof ConfigError);
    assert.equal(handled, before);
  });
});

describe('Fastify 5', () => {
  let app: FastifyInstance;
  let seen: VerifiedAuth | undefined;

  before(async () => {
    app = Fastify();
    // The inline form guard.ts documents; the others name the request type to compile.
    app.get('/x', { preHandler: guard.fastify({ acr: 'aal2', maxAge: 300 }) }, async (request) => {
      seen = request.auth;
      return { sub: authOf(request).subject };
    });
    type TransferRequest = FastifyRequest<{ Body: { amount: number } }>;
    app.post<{ Body: { amount: number } }>(
      '/transfers',
      { preHandler: guard.fastify<TransferRequest>((request) => (request.body.amount > 1000 ? { acr: 'aal2', maxAge: 300 } : { acr: 'aal1' })) },
      async (request) => ({ acr: authOf(request).acr }),
    );
    app.get('/misconfigured', { preHandler: guard.fastify<FastifyRequest>({ acr: 'aal9' }) }, async () => ({}));
    app.setErrorHandler((error, _request, reply) => {
      void reply.code(500).send({ handled: error instanceof ConfigError ? error.code : 'other' });
    });
    await app.ready();
  });
  after(() => app.close());

  test('a good token sets request.auth and reaches the handler', async () => {
    const token = await issuer.sign({ acr: 'aal2', amr: ['pwd', 'otp'], sub: 'usr_dave' });
    const response = await app.inject({ method: 'GET', url: '/x', headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { sub: 'usr_dave' });
    assert.equal(seen?.subject, 'usr_dave');
    assert.equal(seen?.token, token);
  });

  test('refusals: 401 with the challenge and the JSON body, and the handler never runs', async () => {
    seen = undefined;
    const missing = await app.inject({ method: 'GET', url: '/x' });
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.headers['www-authenticate'], 'Bearer');
    assert.equal(missing.headers['cache-control'], 'no-store');
    assert.deepEqual(missing.json(), MISSING_BODY);

    const weak = await app.inject({ method: 'GET', url: '/x', headers: { authorization: `Bearer ${await issuer.sign({ acr: 'aal1' })}` } });
    assert.equal(weak.statusCode, 401);
    assert.equal(weak.headers['www-authenticate'], STEP_UP_CHALLENGE);
    assert.equal(weak.json<{ error: string }>().error, 'ERR_INSUFFICIENT_USER_AUTHENTICATION');
    assert.equal(seen, undefined);
  });

  test('a requirement computed from the parsed body', async () => {
    const transfer = async (acr: string, amount: number) =>
      app.inject({ method: 'POST', url: '/transfers', headers: { authorization: `Bearer ${await issuer.sign({ acr })}` }, payload: { amount } });
    assert.equal((await transfer('aal1', 500)).statusCode, 200);
    const refused = await transfer('aal1', 5000);
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.headers['www-authenticate'], STEP_UP_CHALLENGE);
    assert.deepEqual((await transfer('aal2', 5000)).json(), { acr: 'aal2' });
  });

  test('an error that is not a refusal goes to the Fastify error handler', async () => {
    const response = await app.inject({ method: 'GET', url: '/misconfigured', headers: { authorization: `Bearer ${await issuer.sign()}` } });
    assert.equal(response.statusCode, 500);
    assert.deepEqual(response.json(), { handled: 'ERR_CONFIG_INVALID' });
  });
});

describe('node:http', () => {
  let server: Server;
  let base: string;
  let nodeError: unknown;
  let wroteBeforeRejecting: boolean | undefined;

  before(async () => {
    server = createServer((req, res) => {
      const requirement = req.url === '/misconfigured' ? { acr: 'aal9' } : { acr: 'aal2' };
      guard.node(req, res, requirement).then(
        (auth) => {
          if (!auth) return;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sub: auth.subject, amr: auth.amr }));
        },
        (error: unknown) => {
          nodeError = error;
          wroteBeforeRejecting = res.headersSent;
          res.writeHead(500).end();
        },
      );
    });
    base = await listen(server);
  });
  after(() => closeServer(server));

  test('guard.node resolves the verified facts for a good token', async () => {
    const token = await issuer.sign({ acr: 'aal3', amr: ['pwd', 'hwk', 'user'] });
    const response = await fetch(`${base}/x`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { sub: 'usr_alice', amr: ['pwd', 'hwk', 'user'] });
  });

  test('guard.node writes the refusal itself and resolves undefined', async () => {
    const response = await fetch(`${base}/x`, { headers: { authorization: `Bearer ${await issuer.sign({ acr: 'aal1' })}` } });
    assert.equal(response.status, 401);
    assert.equal(
      response.headers.get('www-authenticate'),
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="aal2"',
    );
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await response.json(), {
      error: 'ERR_INSUFFICIENT_USER_AUTHENTICATION',
      message: 'A different authentication level is required',
      oauth_error: 'insufficient_user_authentication',
      acr_values: ['aal2'],
    });
  });

  test('guard.node rejects with errors that are not refusals, writing nothing', async () => {
    const response = await fetch(`${base}/misconfigured`, { headers: { authorization: `Bearer ${await issuer.sign()}` } });
    assert.equal(response.status, 500);
    assert.ok(nodeError instanceof ConfigError);
    assert.equal(wroteBeforeRejecting, false);
  });
});

describe('route declaration', () => {
  let issuer: TestIssuer;
  before(async () => {
    issuer = await startIssuer();
  });
  after(() => issuer.close());

  test('a fixed requirement that cannot be valid fails when the route is declared, not at its first request', () => {
    const guard = guardFor(issuer);
    assert.throws(() => guard.express({ maxAge: -1 }), ConfigError);
    assert.throws(() => guard.fastify({ methods: ['carrier-pigeon'] }), ConfigError);
    assert.doesNotThrow(() => guard.express(() => ({ maxAge: -1 })), 'a computed requirement is checked per request');
  });
});
