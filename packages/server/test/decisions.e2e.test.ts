// The decision API end to end over real HTTP: an openid-client sign-in gives
// an aal1 token; a large transfer is answered step_up with the rule behind
// it; a TOTP code completes the challenge; the receipt verifies; deciding
// again with the receipt allows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createGuard } from '@stepwise/guard';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { DEMO_USER } from '../src/index.js';
import { callApi, startDecisionServer } from './support/decision-kit.js';
import { browserFor, RelyingParty, type TestServer } from './support/harness.js';
import { enrollTotp, signIn, stepWithMargin, userIdOf, type Enrolled } from './support/threat-kit.js';
import { totpForStep } from './support/totp-reference.js';

describe('decision API: decide, step up with TOTP, verify the receipt, decide again', () => {
  let server: TestServer;
  let key = '';
  let keyName = '';
  let subject = '';
  let idToken = '';
  let totp: Enrolled;

  before(async () => {
    ({ server, key, keyName } = await startDecisionServer());
    subject = await userIdOf(server, DEMO_USER.username);
    const { browser } = await signIn(server);
    totp = await enrollTotp(browser, server.issuer, await stepWithMargin(20));
    // Another browser signs in with the password only: an aal1 token.
    const rp = await RelyingParty.discover(server.issuer);
    const request = await rp.authorize();
    const other = browserFor(server);
    const form = await other.go(request.url);
    const tokens = await rp.callback(await other.submit(form, { username: DEMO_USER.username, password: DEMO_USER.password }, '/password'), request);
    idToken = tokens.id_token!;
    assert.equal(tokens.claims()!.acr, 'aal1');
  });
  after(async () => server.destroy());

  const transfer = (amount: number, token?: string) => ({
    subject,
    action: 'transfer.create',
    resource: { amount, currency: 'EUR', payee: 'ACME' },
    context: { ip: '203.0.113.7', user_agent: 'test', device_id: 'device-1' },
    ...(token ? { token } : {}),
  });

  test('a small transfer with the aal1 token is allowed, by the default', async () => {
    const answer = await callApi(server, '/v1/decisions', { key, body: transfer(50, idToken) });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.decision, 'allow');
    assert.deepEqual(answer.body.requirement, { acr: 'aal1' });
    assert.ok((answer.body.reasons as { kind: string }[]).some((reason) => reason.kind === 'default'));
    assert.match(String(answer.body.decision_id), /^dec_/);
    assert.equal(answer.body.challenge, undefined);
  });

  let receipt = '';
  test('a large transfer steps up, the TOTP code completes the challenge, and the receipt verifies', async () => {
    const first = await callApi(server, '/v1/decisions', { key, body: transfer(5000, idToken) });
    assert.equal(first.status, 200);
    assert.equal(first.body.decision, 'step_up');
    assert.deepEqual(first.body.requirement, { acr: 'aal2', max_age: 300 });
    const reasons = first.body.reasons as { kind: string; rule?: string; reason?: string }[];
    assert.ok(reasons.some((reason) => reason.kind === 'rule' && reason.rule === 'large-transfer'));
    assert.ok(reasons.some((reason) => reason.kind === 'proof' && reason.reason === 'level_too_low'));
    const challenge = first.body.challenge as { id: string; url: string; expires_at: string };
    assert.equal(challenge.url, `${server.issuer}/challenge/${challenge.id}`);
    assert.ok(Date.parse(challenge.expires_at) > Date.now());
    assert.equal(typeof (first.body.risk as { score: unknown }).score, 'number');

    const pending = await callApi(server, `/v1/challenges/${challenge.id}`, { key });
    assert.equal(pending.body.state, 'pending');

    const done = await callApi(server, `/v1/challenges/${challenge.id}/verify`, { key, body: { method: 'totp', code: totpForStep(totp.secret, totp.step + 1) } });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.state, 'satisfied');
    assert.equal(done.body.requirement_met, true);
    receipt = String(done.body.receipt);

    const { payload, protectedHeader } = await jwtVerify(receipt, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), {
      issuer: server.issuer, audience: keyName, typ: 'stepwise-receipt+jwt', algorithms: ['ES256'],
    });
    assert.equal(protectedHeader.typ, 'stepwise-receipt+jwt');
    assert.equal(payload.sub, subject);
    assert.equal(payload.acr, 'aal2');
    assert.deepEqual([...(payload.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);
    assert.equal(payload.decision_id, first.body.decision_id);
    assert.equal(payload.action, 'transfer.create');
    assert.ok(Math.abs(Number(payload.auth_time) - Date.now() / 1000) < 30);
    // Not bound to a transaction: no authorization_details, no txn.
    assert.equal(payload.authorization_details, undefined);
    assert.equal(payload.txn, undefined);

    // What the app does with it: @stepwise/guard checks it was issued for this decision and action.
    const verified = await createGuard({ issuer: server.issuer, audience: 'unused' })
      .verifyReceipt(receipt, { audience: keyName, action: 'transfer.create', decisionId: String(first.body.decision_id), subject }, { acr: 'aal2', maxAge: 300 });
    assert.equal(verified.acr, 'aal2');

    const second = await callApi(server, `/v1/challenges/${challenge.id}/verify`, { key, body: { method: 'totp', code: totpForStep(totp.secret, totp.step + 1) } });
    assert.equal(second.status, 409);
    assert.equal(second.body.error, 'ERR_CHALLENGE_SATISFIED');
    const after = await callApi(server, `/v1/challenges/${challenge.id}`, { key });
    assert.equal(after.body.state, 'satisfied');
    assert.equal(after.body.receipt, receipt);
  });

  test('deciding again with the receipt as the token allows', async () => {
    const again = await callApi(server, '/v1/decisions', { key, body: transfer(5000, receipt) });
    assert.equal(again.body.decision, 'allow', JSON.stringify(again.body));
    assert.ok((again.body.reasons as { kind: string; met?: boolean }[]).some((reason) => reason.kind === 'proof' && reason.met === true));
  });

  test('the aal1 token alone still steps up', async () => {
    const again = await callApi(server, '/v1/decisions', { key, body: transfer(5000, idToken) });
    assert.equal(again.body.decision, 'step_up');
  });
});
