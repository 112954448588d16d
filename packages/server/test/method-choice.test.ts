// Which methods a step-up page offers, and which it shows first. A user
// relies on: only methods that can meet the requirement (only passkeys and
// security keys when it asks for phishing resistance), strongest first, and
// their own last choice remembered, but never a recovery code by default.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LevelSet, nextStep, type EnrolledAuthenticator } from '@stepwise/core';
import { chooseMethod, offeredMethods } from '../src/http/step-up/method-choice.js';

const now = 1_800_000_000;
const levels = new LevelSet();
const everything: EnrolledAuthenticator[] = [
  { method: 'password' },
  { method: 'recovery_code', authenticatorId: 'r' },
  { method: 'sms_otp', authenticatorId: 's' },
  { method: 'totp', authenticatorId: 't' },
  { method: 'email_otp', authenticatorId: 'e' },
  { method: 'webauthn', authenticatorId: 'w', userVerified: true, backedUp: true },
];

function offeredFor(requirement: Parameters<typeof nextStep>[1]): string[] {
  const step = nextStep([{ method: 'password', at: now - 60 }], requirement, everything, levels, now);
  assert.equal(step.kind, 'ask');
  return offeredMethods(step.kind === 'ask' ? step.authenticators : []);
}

describe('step-up method choice', () => {
  test('strongest first: passkey, app, email, SMS, recovery code', () => {
    assert.deepEqual(offeredFor({ acr: 'aal2', maxAge: 300 }), ['webauthn', 'totp', 'email_otp', 'sms_otp', 'recovery_code']);
  });

  test('a phishing-resistant requirement offers only WebAuthn', () => {
    assert.deepEqual(offeredFor({ acr: 'aal2', maxAge: 300, methods: ['phishing_resistant'] }), ['webauthn']);
  });

  test('aal3 offers nothing a synced passkey or a code could give', () => {
    const step = nextStep([], { acr: 'aal3' }, everything, levels, now);
    assert.equal(step.kind, 'unreachable');
  });

  test('the explicit pick, then the last choice, then the strongest; never a recovery code by default', () => {
    const offered = ['webauthn', 'totp', 'sms_otp', 'recovery_code'] as const;
    assert.equal(chooseMethod(offered, 'sms_otp', 'totp'), 'sms_otp');
    assert.equal(chooseMethod(offered, undefined, 'totp'), 'totp');
    assert.equal(chooseMethod(offered, 'password', 'email_otp'), 'webauthn', 'a pick or preference not offered is ignored');
    assert.equal(chooseMethod(offered, undefined, 'recovery_code'), 'webauthn');
    assert.equal(chooseMethod(['recovery_code'], undefined, null), 'recovery_code');
    assert.equal(chooseMethod([], undefined, null), undefined);
  });
});
