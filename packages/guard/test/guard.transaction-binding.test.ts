// Routes bound to one transaction with requireTransaction: which tokens
// pass, and what a refusal tells the client so that its step-up approves
// exactly this transaction (the details in WWW-Authenticate and the body).
// Also bound receipts, the builder's mistakes, and the refusal cache.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ConfigError, transactionHash } from '@stepwise/core';
import express from 'express';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import {
  authOf,
  InsufficientUserAuthenticationError,
  RECEIPT_TYPE,
  requireTransaction,
  TransactionNotApprovedError,
  type RouteRequirement,
  type StepwiseGuard,
} from '../src/index.js';
import { normalizeRequirement } from '../src/requirement.js';
import { manualClock } from './support/clock.js';
import { closeServer, listen } from './support/http.js';
import { startIssuer, type TestIssuer } from './support/issuer.js';
import { ACME_5000, assertHint, payment, rejection, type Transfer } from './support/transaction.js';
import { LEVEL_TOO_LOW, acceptedAuth, bearer, guardFor, refusalOf, startIssuerAndGuard, type Refusal } from './support/verdict.js';

const UNBOUND = 'This request needs a token approved for its transaction details';

describe('a route bound to its transaction', () => {
  const clock = manualClock();
  let issuer: TestIssuer;
  let guard: StepwiseGuard;
  const base: RouteRequirement = { acr: 'aal2' };
  const transferRoute = requireTransaction((transfer: Transfer) => payment(transfer), base);
  const acme = { amount: '5000.00', payee: 'ACME', iban: 'DE89370400440532013000' };

  before(async () => ({ issuer, guard } = await startIssuerAndGuard(clock)));
  after(() => issuer.close());

  const verdict = (token: string, transfer: Transfer = acme, route = transferRoute) => guard.verifyRequest(bearer(token), route(transfer));

  test('an unbound aal2 token gets ERR_TXN_UNBOUND with the details to approve, in the header and the body', async () => {
    const refusal = await refusalOf(await verdict(await issuer.sign({ acr: 'aal2', amr: ['pwd', 'otp'] })));
    // RFC 8785 order: members sorted by name.
    const canonical = '[{"creditorAccount":{"iban":"DE89370400440532013000"},"creditorName":"ACME",'
      + '"instructedAmount":{"amount":"5000.00","currency":"EUR"},"type":"payment_initiation"}]';
    const encoded = Buffer.from(canonical, 'utf8').toString('base64url');
    assert.equal(
      refusal.challenge,
      `Bearer error="insufficient_user_authentication", error_description="${UNBOUND}", acr_values="aal2", max_age=300, authorization_details="${encoded}"`,
    );
    assert.deepEqual(refusal.body, {
      error: 'ERR_TXN_UNBOUND',
      message: UNBOUND,
      oauth_error: 'insufficient_user_authentication',
      acr_values: ['aal2'],
      max_age: 300,
      reason: 'unbound',
      authorization_details: ACME_5000,
      txn: transactionHash(ACME_5000),
    });
    assertHint(refusal, ACME_5000);
    assert.equal(refusal.headers.get('cache-control'), 'no-store');
  });

  test('a token bound to exactly these details passes, and the handler sees what was approved', async () => {
    const auth = await acceptedAuth(await verdict(await issuer.signBound(ACME_5000)));
    assert.deepEqual(auth.authorizationDetails, ACME_5000);
    assert.equal(auth.txn, transactionHash(ACME_5000));
    assert.equal(auth.acr, 'aal2');
  });

  test('an aal1 token bound to the right details, on an aal2 route, is asked to step up with the details', async () => {
    const refusal = await refusalOf(await verdict(await issuer.signBound(ACME_5000, { acr: 'aal1', amr: ['pwd'] })));
    assert.equal(refusal.body.error, 'ERR_INSUFFICIENT_USER_AUTHENTICATION');
    assert.equal(refusal.body.message, LEVEL_TOO_LOW);
    assert.deepEqual(refusal.body.acr_values, ['aal2']);
    assertHint(refusal, ACME_5000);
  });

  test('a token refused for its assurance is not used up: it still passes a route it meets', async () => {
    const token = await issuer.signBound(ACME_5000);
    const strict = requireTransaction((transfer: Transfer) => payment(transfer), { acr: 'aal3' });
    const refusal = await refusalOf(await verdict(token, acme, strict));
    assert.equal(refusal.body.error, 'ERR_INSUFFICIENT_USER_AUTHENTICATION');
    await acceptedAuth(await verdict(token));
  });

  test('max_age sent back is the shorter of the route\'s and the binding\'s, so the new approval is fresh enough', async () => {
    const unbound = await issuer.sign({ acr: 'aal2' });
    const maxAgeOf = async (route: (transfer: Transfer) => RouteRequirement | undefined) => (await refusalOf(await verdict(unbound, acme, route))).body.max_age;
    assert.equal(await maxAgeOf(requireTransaction((t: Transfer) => payment(t), { acr: 'aal2', maxAge: 120 })), 120);
    assert.equal(await maxAgeOf(requireTransaction((t: Transfer) => payment(t), { acr: 'aal2', maxAge: 900 }, { maxAge: 60 })), 60);
    const noLevel = await refusalOf(await verdict(unbound, acme, requireTransaction((t: Transfer) => payment(t))));
    assert.equal(noLevel.body.acr_values, undefined);
    assert.equal(noLevel.body.max_age, 300);
    assertHint(noLevel, ACME_5000);
  });

  test('a builder that returns undefined leaves the plain requirement: no binding, nothing used up', async () => {
    const route = requireTransaction((t: Transfer) => (Number(t.amount) > 1000 ? payment(t) : undefined), { acr: 'aal2' });
    const small = { amount: '20.00', payee: 'Bakery' };
    const unbound = await issuer.sign({ acr: 'aal2' });
    await acceptedAuth(await verdict(unbound, small, route));
    await acceptedAuth(await verdict(unbound, small, route));
    const weak = await refusalOf(await verdict(await issuer.sign({ acr: 'aal1' }), small, route));
    assert.equal(weak.body.error, 'ERR_INSUFFICIENT_USER_AUTHENTICATION');
    assert.equal(weak.body.authorization_details, undefined);
    assert.equal(route(small), route(small), 'the plain requirement itself');
  });

  test('refusals carrying details are built per request: each asks for its own details, the plain one for none', async () => {
    const weak = await issuer.sign({ acr: 'aal1' });
    const other = { amount: '7.50', payee: 'Kiosk' };
    const [first, second] = await Promise.all([verdict(weak), verdict(weak, other)]);
    assertHint(await refusalOf(first!), ACME_5000);
    assertHint(await refusalOf(second!), payment(other));
    const plain = await refusalOf(await guard.verifyRequest(bearer(weak), base));
    assert.equal(plain.body.authorization_details, undefined);
    assert.equal(plain.challenge, `Bearer error="insufficient_user_authentication", error_description="${LEVEL_TOO_LOW}", acr_values="aal2"`);
  });

  test('the route\'s fixed requirement is normalised once, whatever the request', () => {
    const one = transferRoute(acme)!;
    const two = transferRoute({ amount: '1.00', payee: 'X' })!;
    assert.notEqual(one, two);
    assert.equal(normalizeRequirement(one), normalizeRequirement(base));
    assert.equal(normalizeRequirement(two), normalizeRequirement(base));
    assert.ok(Object.isFrozen(one) && Object.isFrozen(one.transaction));
  });

  test('the refusals are typed: TransactionNotApprovedError and InsufficientUserAuthenticationError with the hint', async () => {
    const unbound = await rejection(guard.verify(`Bearer ${await issuer.sign({ acr: 'aal2' })}`, transferRoute(acme)));
    assert.ok(unbound instanceof TransactionNotApprovedError);
    assert.equal(unbound.reason, 'unbound');
    assert.deepEqual(unbound.transaction.details, ACME_5000);
    const weak = await rejection(guard.verify(`Bearer ${await issuer.signBound(ACME_5000, { acr: 'aal1' })}`, transferRoute(acme)));
    assert.ok(weak instanceof InsufficientUserAuthenticationError);
    assert.equal(weak.transaction?.txn, transactionHash(ACME_5000));
  });

  test('a builder result that is not a details array is the application\'s error, thrown, never a 401', async () => {
    const token = await issuer.signBound(ACME_5000);
    const bad: unknown[] = [[], 'payment', {}, [{}], [{ type: 3 }], [{ type: '' }], [new Date()], [null],
      [{ type: 'x', amount: Number.POSITIVE_INFINITY }], [{ type: 'x', name: '\ud800' }], [{ type: 'x', when: new Date() }]];
    for (const details of bad) {
      const route = requireTransaction(() => details as never, { acr: 'aal2' });
      assert.throws(() => route(acme), ConfigError, JSON.stringify(details));
      // A requirement written by hand fails the same way, inside verify.
      await assert.rejects(guard.verifyRequest(bearer(token), { acr: 'aal2', transaction: { details: details as never } }), ConfigError);
    }
    assert.throws(() => requireTransaction(() => ACME_5000, { acr: 'aal2' }, { maxAge: -1 }), ConfigError);
    assert.throws(() => requireTransaction(() => ACME_5000, { maxAge: 1.5 }), ConfigError);
  });

  test('a token whose txn is not the hash of its own details, or ill-typed, or without jti, is invalid', async () => {
    const cases = [
      await issuer.signBound(ACME_5000, { txn: transactionHash(payment({ amount: '1.00', payee: 'ACME' })) }),
      await issuer.sign({ acr: 'aal2', authorization_details: 'payment', txn: 'x' }),
      await issuer.sign({ acr: 'aal2', authorization_details: ACME_5000, txn: 42 }),
      await issuer.signBound(ACME_5000, { jti: undefined }),
    ];
    for (const token of cases) {
      const refusal = await refusalOf(await verdict(token));
      assert.equal(refusal.body.error, 'ERR_TOKEN_INVALID');
      assert.equal(refusal.body.reason, 'claims');
      assert.match(refusal.challenge ?? '', /^Bearer error="invalid_token"/);
    }
  });
});

describe('bound step-up receipts (verifyReceipt)', () => {
  const clock = manualClock();
  let issuer: TestIssuer;
  let guard: StepwiseGuard;
  const expected = { audience: 'bank-backend', action: 'transfer.create', subject: 'usr_alice', authorizationDetails: ACME_5000 };

  before(async () => ({ issuer, guard } = await startIssuerAndGuard(clock)));
  after(() => issuer.close());

  const receipt = (claims: Record<string, unknown> = {}, bound = true) => {
    const receiptClaims = { aud: 'bank-backend', decision_id: 'dec_1', action: 'transfer.create', ...claims };
    const header = { header: { typ: RECEIPT_TYPE } };
    return bound ? issuer.signBound(ACME_5000, receiptClaims, header) : issuer.sign({ acr: 'aal2', ...receiptClaims }, header);
  };

  test('a receipt bound to the expected details verifies once, then is refused as replayed', async () => {
    const token = await receipt();
    const verified = await guard.verifyReceipt(token, expected, { acr: 'aal2' });
    assert.deepEqual(verified.authorizationDetails, ACME_5000);
    assert.equal(verified.txn, transactionHash(ACME_5000));
    const again = await rejection(guard.verifyReceipt(token, expected, { acr: 'aal2' }));
    assert.equal(again.code, 'ERR_TXN_REPLAYED');
  });

  test('unbound, bound to other details, or approved over 300 s ago: the same errors as for tokens', async () => {
    assert.equal((await rejection(guard.verifyReceipt(await receipt({}, false), expected))).code, 'ERR_TXN_UNBOUND');
    const other = { ...expected, authorizationDetails: payment({ amount: '50000.00', payee: 'Mallory' }) };
    const mismatch = await rejection(guard.verifyReceipt(await receipt(), other));
    assert.equal(mismatch.code, 'ERR_TXN_MISMATCH');
    assert.deepEqual((mismatch as TransactionNotApprovedError).transaction.details, other.authorizationDetails);
    const old = await rejection(guard.verifyReceipt(await receipt({ auth_time: clock.now() - 306 }), expected));
    assert.equal(old.code, 'ERR_TXN_EXPIRED');
    await guard.verifyReceipt(await receipt({ auth_time: clock.now() - 300 }), expected);
  });

  test('without authorizationDetails the receipt is checked as before and not used up', async () => {
    const token = await receipt();
    const unboundExpectation = { ...expected, authorizationDetails: undefined };
    await guard.verifyReceipt(token, unboundExpectation);
    await guard.verifyReceipt(token, unboundExpectation);
    await guard.verifyReceipt(token, expected);
  });
});

describe('every adapter carries the details to approve', () => {
  let issuer: TestIssuer;
  let guard: StepwiseGuard;
  const route = requireTransaction((transfer: Transfer) => payment(transfer), { acr: 'aal2' });
  const acme = { amount: '5000.00', payee: 'ACME', iban: 'DE89370400440532013000' };

  before(async () => {
    issuer = await startIssuer();
    guard = guardFor(issuer);
  });
  after(() => issuer.close());

  /** A bound token passes once, then an unbound one and the same one again are refused with the hint. */
  async function assertAdapter(send: (token: string, transfer: Transfer) => Promise<{ status: number; challenge: string | null | undefined; text: string }>) {
    const bound = await issuer.signBound(ACME_5000);
    const accepted = await send(bound, acme);
    assert.equal(accepted.status, 200, accepted.text);
    assert.deepEqual(JSON.parse(accepted.text), { txn: transactionHash(ACME_5000) });
    for (const [token, code] of [[await issuer.sign({ acr: 'aal2' }), 'ERR_TXN_UNBOUND'], [bound, 'ERR_TXN_REPLAYED']] as const) {
      const answer = await send(token, acme);
      const refusal = { ...answer, body: JSON.parse(answer.text) as Record<string, unknown> } as Refusal;
      assert.equal(refusal.body.error, code);
      assertHint(refusal, ACME_5000);
    }
  }

  test('Express 5: guard.express(requireTransaction(build from req.body))', async () => {
    const app = express();
    app.post('/transfers', express.json(), guard.express<express.Request>(requireTransaction((req) => payment(req.body as Transfer), { acr: 'aal2' })),
      (req, res) => { res.json({ txn: authOf(req).txn }); });
    const server = createServer(app);
    const base = await listen(server);
    try {
      await assertAdapter(async (token, transfer) => {
        const response = await fetch(`${base}/transfers`, {
          method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(transfer),
        });
        return { status: response.status, challenge: response.headers.get('www-authenticate'), text: await response.text() };
      });
    } finally {
      await closeServer(server);
    }
  });

  test('Fastify 5: guard.fastify(requireTransaction(build from request.body)); a bad builder result goes to the error handler', async () => {
    const app: FastifyInstance = Fastify();
    type TransferRequest = FastifyRequest<{ Body: Transfer }>;
    app.post<{ Body: Transfer }>('/transfers', {
      preHandler: guard.fastify<TransferRequest>(requireTransaction((request) => payment(request.body), { acr: 'aal2' })),
    }, async (request) => ({ txn: authOf(request).txn }));
    app.post('/broken', { preHandler: guard.fastify(requireTransaction(() => [] as never)) }, async () => ({}));
    app.setErrorHandler((error, _request, reply) => {
      void reply.code(500).send({ handled: error instanceof ConfigError ? error.code : 'other' });
    });
    try {
      await assertAdapter(async (token, transfer) => {
        const response = await app.inject({ method: 'POST', url: '/transfers', headers: { authorization: `Bearer ${token}` }, payload: transfer });
        return { status: response.statusCode, challenge: response.headers['www-authenticate'] as string | undefined, text: response.body };
      });
      const broken = await app.inject({ method: 'POST', url: '/broken', headers: { authorization: `Bearer ${await issuer.signBound(ACME_5000)}` }, payload: {} });
      assert.equal(broken.statusCode, 500);
      assert.deepEqual(broken.json(), { handled: 'ERR_CONFIG_INVALID' });
    } finally {
      await app.close();
    }
  });

  test('node:http: guard.node(req, res, requireTransaction(...)(transfer))', async () => {
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        guard.node(req, res, route(JSON.parse(body) as Transfer)).then((auth) => {
          if (auth) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ txn: auth.txn }));
        }, () => res.writeHead(500).end());
      });
    });
    const base = await listen(server);
    try {
      await assertAdapter(async (token, transfer) => {
        const response = await fetch(`${base}/transfers`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(transfer) });
        return { status: response.status, challenge: response.headers.get('www-authenticate'), text: await response.text() };
      });
    } finally {
      await closeServer(server);
    }
  });

  test('fetch-style: guard.verifyRequest(request, requireTransaction(...)(transfer))', async () => {
    await assertAdapter(async (token, transfer) => {
      const request = new Request('https://api.example/transfers', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(transfer) });
      const result = await guard.verifyRequest(request, route((await request.clone().json()) as Transfer));
      const response = result.ok ? Response.json({ txn: result.auth.txn }) : result.response;
      return { status: response.status, challenge: response.headers.get('www-authenticate'), text: await response.text() };
    });
  });
});
