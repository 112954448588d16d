// The attacker (or a buggy backend) sends malformed decision requests,
// forged or foreign tokens, and unknown subjects. Each gets a 4xx with a
// stable code naming the field; none is a 5xx, and none is decided.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT, generateKeyPair } from 'jose';
import { DEMO_USER } from '../src/index.js';
import { callApi, startDecisionServer } from './support/decision-kit.js';
import type { TestServer } from './support/harness.js';
import { addUser, userIdOf } from './support/threat-kit.js';

describe('threat: malformed decision requests', () => {
  let server: TestServer;
  let key = '';
  let subject = '';

  before(async () => {
    ({ server, key } = await startDecisionServer());
    subject = await userIdOf(server, DEMO_USER.username);
  });
  after(async () => server.destroy());

  const valid = () => ({ subject, action: 'transfer.create', resource: { amount: 10 }, context: { ip: '203.0.113.7' } });
  const deep = (depth: number): unknown => (depth === 0 ? 1 : { a: deep(depth - 1) });

  const cases: [string, (body: Record<string, unknown>) => unknown, string][] = [
    ['missing subject', ({ subject: _s, ...rest }) => rest, 'subject'],
    ['subject not a string', (body) => ({ ...body, subject: 42 }), 'subject'],
    ['empty action', (body) => ({ ...body, action: '' }), 'action'],
    ['action with spaces', (body) => ({ ...body, action: 'transfer create' }), 'action'],
    ['action too long', (body) => ({ ...body, action: 'a'.repeat(129) }), 'action'],
    ['resource a list', (body) => ({ ...body, resource: [1, 2] }), 'resource'],
    ['resource nested too deep', (body) => ({ ...body, resource: deep(6) }), 'resource.a.a.a.a.a'],
    ['resource with too many fields', (body) => ({ ...body, resource: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, i])) }), 'resource'],
    ['context a string', (body) => ({ ...body, context: 'x' }), 'context'],
    ['ip not an address', (body) => ({ ...body, context: { ip: '999.1.1.1' } }), 'context.ip'],
    ['user_agent not a string', (body) => ({ ...body, context: { user_agent: 5 } }), 'context.user_agent'],
    ['device_id empty', (body) => ({ ...body, context: { device_id: '' } }), 'context.device_id'],
    ['time without a zone', (body) => ({ ...body, context: { time: '2026-12-01T14:02:00' } }), 'context.time'],
    ['time negative', (body) => ({ ...body, context: { time: -5 } }), 'context.time'],
    ['token not a JWT', (body) => ({ ...body, token: 'abc' }), 'token'],
    ['return_to a number', (body) => ({ ...body, return_to: 7 }), 'return_to'],
    ['an unknown field', (body) => ({ ...body, subjekt: 'x' }), 'subjekt'],
    ['a body that is not an object', () => [1], 'body'],
  ];

  for (const [name, mutate, field] of cases) {
    test(`${name}: 400 ERR_VALIDATION naming ${field}`, async () => {
      const answer = await callApi(server, '/v1/decisions', { key, body: mutate(valid()) });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error, 'ERR_VALIDATION');
      assert.equal(answer.body.field, field);
    });
  }

  test('broken JSON and a wrong content type are 4xx with a code, not 5xx', async () => {
    const broken = await fetch(`${server.issuer}/v1/decisions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"subject":' });
    assert.equal(broken.status, 400);
    assert.equal(((await broken.json()) as { error: string }).error, 'ERR_BAD_REQUEST');
    const text = await fetch(`${server.issuer}/v1/decisions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' }, body: 'hello' });
    assert.ok(text.status >= 400 && text.status < 500, String(text.status));
  });

  test('an unknown subject: 404 ERR_SUBJECT_UNKNOWN', async () => {
    const answer = await callApi(server, '/v1/decisions', { key, body: { ...valid(), subject: 'no-such-user' } });
    assert.equal(answer.status, 404);
    assert.equal(answer.body.error, 'ERR_SUBJECT_UNKNOWN');
  });

  test('a token signed by another key, and a receipt-shaped token for another subject, are refused', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ acr: 'aal3', amr: ['hwk', 'user', 'mfa'], auth_time: Math.floor(Date.now() / 1000) })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).setIssuer(server.issuer).setSubject(subject).setExpirationTime('5m').sign(privateKey);
    const answer = await callApi(server, '/v1/decisions', { key, body: { ...valid(), token: forged } });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, 'ERR_DECISION_TOKEN_INVALID');
    assert.equal(answer.body.reason, 'invalid');

    // A real receipt issued to someone else is no proof for this subject.
    const otherId = await addUser(server, { username: 'bob', password: 'bob-password-123' });
    const services = server.server.services;
    const receipt = await services.tokenKeys.sign({ iss: server.issuer, sub: otherId, aud: 'bank-backend', exp: services.now() + 60, acr: 'aal2', amr: ['pwd', 'otp', 'mfa'], auth_time: services.now() }, 'stepwise-receipt+jwt');
    const foreign = await callApi(server, '/v1/decisions', { key, body: { ...valid(), token: receipt } });
    assert.equal(foreign.body.error, 'ERR_DECISION_TOKEN_INVALID');
    assert.equal(foreign.body.reason, 'subject');
  });

  test('malformed challenge calls: a bad id, a bad method, a missing code', async () => {
    const badId = await callApi(server, '/v1/challenges/not-an-id', { key });
    assert.equal(badId.status, 400);
    assert.equal(badId.body.error, 'ERR_VALIDATION');
    const unknown = await callApi(server, '/v1/challenges/chl_doesnotexist', { key });
    assert.equal(unknown.status, 404);
    const badMethod = await callApi(server, '/v1/challenges/chl_x/verify', { key, body: { method: 'telepathy', code: '1' } });
    assert.equal(badMethod.status, 400);
    const noCode = await callApi(server, '/v1/challenges/chl_x/verify', { key, body: { method: 'totp' } });
    assert.equal(noCode.status, 400);
    assert.equal(noCode.body.field, 'body.code');
  });
});
