// Threat: an attacker who controls the victim's email account (or has
// ported their phone number, or both) tries to pass a multi-factor step-up
// with an emailed code plus a texted code, never knowing the password.
// Both prove possession of something; neither is a second *category* of
// factor, so together they are still one factor: aal1, never aal2. With
// the password added, the same codes do reach aal2.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { evaluateAssurance, nextStep, type AuthenticationEvent, type EnrolledAuthenticator } from '@stepwise/core';
import { hashPassword, users } from '../src/index.js';
import { sendOneTimeCode, verifyOneTimeCode } from '../src/flows/one-time-codes.js';
import { confirmFactor, createFactor, type Factor } from '../src/storage/factors.js';
import { listOutboxMessages } from '../src/storage/outbox.js';
import type { User } from '../src/storage/users.js';
import { startTestServer, type TestServer } from './support/harness.js';

describe('an email code plus a text message code', () => {
  let server: TestServer;
  let user: User;
  let email: Factor;
  let sms: Factor;
  /** Real events from verifying one code of each kind. */
  let codeEvents: AuthenticationEvent[];

  before(async () => {
    server = await startTestServer();
    const { db } = server.server.database;
    const { services } = server.server;
    user = await users.createUser(db, { username: 'two-codes', passwordHash: await hashPassword('two codes password') });
    email = await createFactor(db, { userId: user.id, method: 'email_otp', name: 'Email', secret: null, destination: 'two-codes@example.com' });
    sms = await createFactor(db, { userId: user.id, method: 'sms_otp', name: 'Phone', secret: null, destination: '+447700900401' });
    codeEvents = [];
    for (const factor of [email, sms]) {
      await confirmFactor(db, factor.id, services.now());
      await sendOneTimeCode(services, { user, factor, challengeKey: 'interaction:aal2', purpose: 'confirm a sign-in' });
      const [latest] = await listOutboxMessages(db, 1);
      const code = /\d{6}/.exec(latest!.body)![0];
      codeEvents.push(await verifyOneTimeCode(services, { factors: [email, sms], code, scope: { challengeKey: 'interaction:aal2', userId: user.id } }));
    }
  });
  after(async () => server?.destroy());

  test('fresh email_otp and sms_otp events reach aal1, not aal2', () => {
    const { levels, now } = server.server.services;
    assert.deepEqual(codeEvents.map((event) => event.method), ['email_otp', 'sms_otp']);
    const result = evaluateAssurance(codeEvents, { acr: 'aal2' }, levels, now());
    assert.equal(result.met, false);
    assert.equal(result.achieved, 'aal1');
    assert.equal(evaluateAssurance(codeEvents, { acr: 'aal2', maxAge: 300 }, levels, now()).met, false, 'however fresh');
  });

  test('a user whose only authenticators are an email and a phone cannot be led to aal2', () => {
    const { levels, now } = server.server.services;
    const enrolled: EnrolledAuthenticator[] = [
      { method: 'email_otp', authenticatorId: email.id },
      { method: 'sms_otp', authenticatorId: sms.id },
    ];
    assert.equal(nextStep([], { acr: 'aal2' }, enrolled, levels, now()).kind, 'unreachable');
    assert.equal(nextStep(codeEvents, { acr: 'aal2' }, enrolled, levels, now()).kind, 'unreachable');
    assert.equal(nextStep([], { acr: 'aal1' }, enrolled, levels, now()).kind, 'ask', 'aal1 is within reach');
  });

  test('with the password, the same codes reach aal2', () => {
    const { levels, now } = server.server.services;
    const password: AuthenticationEvent = { method: 'password', at: now() - 3600 };
    const withPassword = [password, ...codeEvents];
    assert.equal(evaluateAssurance(withPassword, { acr: 'aal2' }, levels, now()).met, true);
    assert.equal(evaluateAssurance(withPassword, { acr: 'aal2', maxAge: 300 }, levels, now()).met, true, 'an older password with a fresh code');

    const enrolled: EnrolledAuthenticator[] = [{ method: 'password' }, { method: 'email_otp', authenticatorId: email.id }, { method: 'sms_otp', authenticatorId: sms.id }];
    const fromNothing = nextStep([], { acr: 'aal2' }, enrolled, levels, now());
    assert.equal(fromNothing.kind, 'ask');
    const afterCodes = nextStep(codeEvents, { acr: 'aal2' }, enrolled, levels, now());
    assert.ok(afterCodes.kind === 'ask' && afterCodes.completes && afterCodes.methods.includes('password'), JSON.stringify(afterCodes));
    assert.ok(!afterCodes.methods.includes('email_otp') && !afterCodes.methods.includes('sms_otp'), 'another code would not help');
  });
});
