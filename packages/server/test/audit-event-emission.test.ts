// What a real server writes to the audit log: a sign-in, refused sign-ins
// (an unknown username is not kept), a wrong code, a decision and the
// step-up it asks, the step-up met, a factor removed, a sign-out; each with
// the fields an operator needs (requirement, rules, signals, outcome), and
// no secret anywhere: no password, no code, no receipt or token.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyAuditChain, type AuditRecord } from '@stepwise/core';
import { auditHead, readAuditEvents } from '../src/storage/audit-events.js';
import { formOf } from './support/browser.js';
import { callApi, passwordIdToken, startDecisionServer } from './support/decision-kit.js';
import type { TestServer } from './support/harness.js';
import { DEMO, enrollTotp, signIn, stepWithMargin, userIdOf, type Enrolled } from './support/threat-kit.js';
import { totpForStep, wrongCode } from './support/totp-reference.js';

describe('audit events of a real server', () => {
  // The demo user: decision-kit's passwordIdToken signs in as them.
  const alice = DEMO;
  let server: TestServer;
  let key: string;
  let subject: string;
  let totp: Enrolled;
  const secrets: string[] = [alice.password, 'not her password at all'];

  async function events(): Promise<AuditRecord[]> {
    await server.server.services.audit.flush();
    const records: AuditRecord[] = [];
    for await (const record of readAuditEvents(server.server.database.db)) records.push(record);
    return records;
  }
  const ofType = async (type: string) => (await events()).filter((record) => record.type === type);

  before(async () => {
    ({ server, key } = await startDecisionServer());
    subject = await userIdOf(server, alice.username);
  });
  after(async () => server.destroy());

  test('a password sign-in records sign_in with the subject, the address, the device and the amr', async () => {
    const { browser } = await signIn(server, alice);
    // Confirmed with the previous step's code: the decision uses this step's, the account step-up the next one's.
    totp = await enrollTotp(browser, server.issuer, (await stepWithMargin(25)) - 1);
    secrets.push(totp.secret, totpForStep(totp.secret, totp.step));
    const [signedIn] = (await ofType('sign_in')).filter((record) => record.subject === subject);
    assert.ok(signedIn, 'a sign_in event');
    assert.equal(signedIn.outcome, 'pwd');
    assert.equal(signedIn.actor, `user:${subject}`);
    assert.equal(signedIn.ip, '127.0.0.1');
    assert.match(signedIn.device ?? '', /.+/);
    const [enrolled] = (await ofType('factor_enrolled')).filter((record) => record.subject === subject);
    assert.deepEqual(enrolled?.details, { factor_id: totp.factorId, method: 'totp' });
  });

  test('refused sign-ins: a known username is kept, an unknown one is not', async () => {
    const browser = (await signIn(server, alice)).browser;
    const form = await browser.go(`${server.issuer}/logout`);
    await browser.submit(form, {}, '/logout');
    const login = await browser.go(`${server.issuer}/login`);
    await browser.submit(login, { username: alice.username, password: 'not her password at all' }, '/login');
    const again = await browser.go(`${server.issuer}/login`);
    await browser.submit(again, { username: 'nobody-at-all', password: 'not her password at all' }, '/login');
    const failed = await ofType('sign_in_failed');
    const known = failed.find((record) => record.subject === subject);
    assert.equal(known?.outcome, 'ERR_INVALID_CREDENTIALS');
    assert.deepEqual(known?.details, { method: 'password', username: alice.username });
    const unknown = failed.find((record) => record.subject === null);
    assert.ok(unknown, 'the unknown user is recorded without a subject');
    assert.deepEqual(unknown.details, { method: 'password' });
    assert.ok(!JSON.stringify(await events()).includes('nobody-at-all'), 'an unknown username is never kept');
    const revoked = (await ofType('session_revoked')).find((record) => record.subject === subject);
    assert.equal(revoked?.outcome, 'logout');
  });

  test('a decision, a wrong code and the step-up: decision, step_up_asked, step_up_failed, step_up_satisfied', async () => {
    const decided = await callApi(server, '/v1/decisions', {
      key, body: { subject, action: 'transfer.create', resource: { amount: 5000 }, context: { ip: '198.51.100.7', device_id: 'dev-1' }, token: await passwordIdToken(server) },
    });
    assert.equal(decided.body.decision, 'step_up');
    const decisionId = String(decided.body.decision_id);
    const challengeId = (decided.body.challenge as { id: string }).id;
    const wrong = wrongCode(totp.secret);
    secrets.push(wrong);
    const refused = await callApi(server, `/v1/challenges/${challengeId}/verify`, { key, body: { method: 'totp', code: wrong } });
    assert.equal(refused.status, 400);
    const code = totpForStep(totp.secret, totp.step + 1);
    secrets.push(code);
    const done = await callApi(server, `/v1/challenges/${challengeId}/verify`, { key, body: { method: 'totp', code } });
    assert.equal(done.body.requirement_met, true);
    secrets.push(String(done.body.receipt));

    const decision = (await ofType('decision')).find((record) => record.details?.decision_id === decisionId);
    assert.ok(decision);
    assert.equal(decision.outcome, 'step_up');
    assert.deepEqual(decision.requirement, { acr: 'aal2', max_age: 300 });
    assert.deepEqual(decision.rules, ['large-transfer']);
    assert.ok(Array.isArray(decision.signals) && decision.signals.every((signal) => typeof (signal as { code: unknown }).code === 'string'));
    assert.equal(decision.client, 'bank-backend');
    assert.equal(decision.ip, '198.51.100.7');
    assert.equal(decision.device, 'dev-1');
    assert.equal(decision.details?.challenge_id, challengeId);
    assert.deepEqual(decision.details?.resource, { amount: 5000 });

    const asked = (await ofType('step_up_asked')).find((record) => record.details?.decision_id === decisionId);
    assert.deepEqual(asked?.rules, ['large-transfer']);
    assert.deepEqual(asked?.requirement, { acr: 'aal2', max_age: 300 });
    assert.equal(asked?.details?.challenge_id, challengeId);

    const failed = (await ofType('step_up_failed')).find((record) => record.details?.challenge_id === challengeId);
    assert.equal(failed?.outcome, 'ERR_CODE_INVALID');
    assert.equal(failed?.details?.method, 'totp');
    assert.equal(failed?.details?.attempts_left, 4);

    const satisfied = (await ofType('step_up_satisfied')).filter((record) => record.details?.challenge_id === challengeId);
    assert.equal(satisfied.length, 1);
    assert.deepEqual(satisfied[0]!.requirement, { acr: 'aal2', max_age: 300 });
    assert.equal(satisfied[0]!.details?.method, 'totp');
    assert.equal(satisfied[0]!.details?.decision_id, decisionId);
    assert.equal(satisfied[0]!.client, 'bank-backend');
  });

  test('an account step-up and a factor removal record step_up_satisfied and factor_removed', async () => {
    const { browser } = await signIn(server, alice);
    const stepUp = await browser.go(`${server.issuer}/step-up?return_to=/account`);
    const code = totpForStep(totp.secret, totp.step + 2);
    secrets.push(code);
    const met = await browser.submit(stepUp, { code }, '/step-up');
    assert.ok(met.url.endsWith('/account'), `${met.status} ${met.url}`);
    const confirm = await browser.go(`${server.issuer}/account/factors/${totp.factorId}/remove`);
    const removed = await browser.submit(confirm, formOf(confirm, '/remove').fields, `/account/factors/${totp.factorId}/remove`);
    assert.ok(removed.url.includes('done=factor-removed'), `${removed.status} ${removed.url}`);
    const account = (await ofType('step_up_satisfied')).find((record) => record.subject === subject && record.details?.surface === 'account');
    assert.equal(account?.details?.method, 'totp');
    assert.ok(account?.requirement && typeof (account.requirement as { acr?: unknown }).acr === 'string');
    const [gone] = (await ofType('factor_removed')).filter((record) => record.subject === subject);
    assert.deepEqual(gone?.details, { factor_id: totp.factorId, method: 'totp' });
  });

  test('no column of any event holds a password, a code, a TOTP secret or a receipt, and the chain holds', async () => {
    const all = await events();
    const text = JSON.stringify(all);
    // A six-digit code is looked for as a JSON string: bare digits turn up inside timestamps and hashes by chance.
    for (const secret of secrets) {
      const needle = /^\d+$/.test(secret) ? JSON.stringify(secret) : secret;
      assert.ok(!text.includes(needle), `a secret is in the log: ${secret.slice(0, 12)}…`);
    }
    const verdict = await verifyAuditChain(all, await auditHead(server.server.database.db));
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
  });
});
