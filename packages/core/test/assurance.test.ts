import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { amrOf, enrollmentWouldHelp, evaluateAssurance, LevelSet, nextStep, resolveAssurance, type AuthenticationEvent } from '../src/index.js';

const now = 2_000_000;
const levels = new LevelSet();

describe('evaluateAssurance', () => {
  test('an empty session reaches nothing', () => {
    const result = evaluateAssurance([], { acr: 'aal1' }, levels, now);
    assert.deepEqual(result, { met: false, achieved: null, authTime: null, amr: [], counting: [] });
  });

  test('acr is the highest level reached, even above the one asked for', () => {
    const events: AuthenticationEvent[] = [
      { method: 'password', at: now - 100 },
      { method: 'totp', at: now - 10 },
    ];
    const result = evaluateAssurance(events, { acr: 'aal1' }, levels, now);
    assert.equal(result.met, true);
    assert.equal(result.achieved, 'aal2');
    assert.equal(result.authTime, now - 10);
  });

  test('auth_time is the latest counting event, not the latest event', () => {
    const events: AuthenticationEvent[] = [
      { method: 'totp', at: now - 1000 },
      { method: 'password', at: now - 50 },
      { method: 'totp', at: now - 100_000 },
    ];
    const result = evaluateAssurance(events, { acr: 'aal2', maxAge: 5000 }, levels, now);
    assert.equal(result.achieved, 'aal2');
    assert.equal(result.authTime, now - 50);
    assert.deepEqual(result.counting.map((event) => event.at), [now - 1000, now - 50]);
  });

  test('assurance decays by itself as time passes', () => {
    const events: AuthenticationEvent[] = [
      { method: 'password', at: now },
      { method: 'totp', at: now },
    ];
    assert.equal(evaluateAssurance(events, { acr: 'aal2' }, levels, now + 86_400).achieved, 'aal2');
    assert.equal(evaluateAssurance(events, { acr: 'aal2' }, levels, now + 86_401).achieved, 'aal1');
    assert.equal(evaluateAssurance(events, { acr: 'aal2' }, levels, now + 30 * 86_400 + 1).achieved, null);
  });

  test('a device-bound security key without UV plus a password reaches aal3', () => {
    const events: AuthenticationEvent[] = [
      { method: 'password', at: now - 60 },
      { method: 'webauthn', at: now - 30, userVerified: false, backedUp: false },
    ];
    const result = evaluateAssurance(events, { acr: 'aal3' }, levels, now);
    assert.equal(result.met, true);
    assert.deepEqual(result.amr, ['pwd', 'hwk', 'mfa']);
  });

  test('an allowed-methods list is met by a matching counting event only', () => {
    const events: AuthenticationEvent[] = [
      { method: 'password', at: now - 60 },
      { method: 'totp', at: now - 30 },
    ];
    assert.equal(evaluateAssurance(events, { acr: 'aal2', methods: ['totp'] }, levels, now).met, true);
    assert.equal(evaluateAssurance(events, { acr: 'aal2', methods: ['webauthn'] }, levels, now).met, false);
  });

  test('renamed and added levels work the same way', () => {
    const custom = new LevelSet([
      { name: 'basic', rank: 10, lifetime: 3600, criteria: { factors: 1 } },
      { name: 'strong', rank: 20, lifetime: 600, criteria: { factors: 2 } },
      { name: 'phishing-proof', rank: 30, lifetime: 600, criteria: { factors: 2, phishingResistant: true } },
    ]);
    const events: AuthenticationEvent[] = [
      { method: 'password', at: now - 60 },
      { method: 'webauthn', at: now - 30, userVerified: true, backedUp: true },
    ];
    const result = evaluateAssurance(events, { acr: 'strong' }, custom, now);
    assert.equal(result.met, true);
    assert.equal(result.achieved, 'phishing-proof');
    assert.deepEqual(custom.ranks(), { 'phishing-proof': 30, strong: 20, basic: 10 });
    assert.deepEqual(custom.names(), ['basic', 'strong', 'phishing-proof']);
  });

  test('an unknown level is refused with its code', () => {
    assert.throws(() => evaluateAssurance([], { acr: 'aal9' }, levels, now), { code: 'ERR_UNKNOWN_LEVEL' });
  });

  test('a level set with a duplicate rank or name is refused', () => {
    const base = { lifetime: 60, criteria: { factors: 1 } };
    assert.throws(() => new LevelSet([{ name: 'a', rank: 1, ...base }, { name: 'b', rank: 1, ...base }]), {
      code: 'ERR_INVALID_REQUIREMENT',
    });
    assert.throws(() => new LevelSet([{ name: 'a', rank: 1, ...base }, { name: 'a', rank: 2, ...base }]), {
      code: 'ERR_INVALID_REQUIREMENT',
    });
    assert.throws(() => new LevelSet([{ name: 'has space', rank: 1, ...base }]), { code: 'ERR_INVALID_REQUIREMENT' });
  });
});

describe('amrOf', () => {
  test('maps methods to RFC 8176 values and adds mfa across categories', () => {
    assert.deepEqual(amrOf([{ method: 'password', at: 1 }]), ['pwd']);
    assert.deepEqual(amrOf([{ method: 'email_otp', at: 1 }, { method: 'sms_otp', at: 1 }]), ['otp', 'sms']);
    assert.deepEqual(amrOf([{ method: 'webauthn', at: 1, userVerified: true, backedUp: true }]), ['swk', 'user', 'mfa']);
    assert.deepEqual(amrOf([{ method: 'password', at: 1 }, { method: 'recovery_code', at: 2 }]), ['pwd', 'otp', 'mfa']);
  });
});

describe('nextStep', () => {
  const enrolled = [{ method: 'password' as const }, { method: 'totp' as const }];

  test('asks only for the missing factor', () => {
    const events: AuthenticationEvent[] = [{ method: 'password', at: now - 7200 }];
    assert.deepEqual(nextStep(events, { acr: 'aal2', maxAge: 300 }, enrolled, levels, now), {
      kind: 'ask',
      methods: ['totp'],
      authenticators: [{ method: 'totp' }],
      completes: true,
    });
  });

  test('offers only the authenticators that can reach the level', () => {
    const synced = { method: 'webauthn' as const, authenticatorId: 'phone', userVerified: true, backedUp: true };
    const hardware = { method: 'webauthn' as const, authenticatorId: 'key', userVerified: true, backedUp: false };
    const step = nextStep([], { acr: 'aal3' }, [{ method: 'password' }, synced, hardware], levels, now);
    assert.deepEqual(step, { kind: 'ask', methods: ['webauthn'], authenticators: [hardware], completes: true });
    const aal2 = nextStep([], { acr: 'aal2' }, [{ method: 'password' }, synced, hardware], levels, now);
    assert.deepEqual(aal2.kind === 'ask' && aal2.authenticators, [synced, hardware]);
  });

  test('is met when nothing is missing', () => {
    const events: AuthenticationEvent[] = [{ method: 'password', at: now - 7200 }, { method: 'totp', at: now - 5 }];
    assert.deepEqual(nextStep(events, { acr: 'aal2', maxAge: 300 }, enrolled, levels, now), { kind: 'met' });
  });

  test('asks for a fresh factor under max_age 0 even with a fresh session', () => {
    const events: AuthenticationEvent[] = [{ method: 'password', at: now - 1 }, { method: 'totp', at: now - 1 }];
    const step = nextStep(events, { acr: 'aal1', maxAge: 0 }, enrolled, levels, now);
    assert.equal(step.kind, 'ask');
  });

  test('a password-only user cannot reach aal2', () => {
    const events: AuthenticationEvent[] = [{ method: 'password', at: now - 5 }];
    assert.deepEqual(nextStep(events, { acr: 'aal2' }, [{ method: 'password' }], levels, now), { kind: 'unreachable' });
  });

  test('with nothing in the session, asks for the first of a completing pair', () => {
    const step = nextStep([], { acr: 'aal2' }, enrolled, levels, now);
    assert.deepEqual(step, { kind: 'ask', methods: ['password', 'totp'], authenticators: enrolled, completes: false });
  });
});

describe('resolveAssurance', () => {
  const both = [{ method: 'password' as const }, { method: 'totp' as const }];
  const signedIn: AuthenticationEvent[] = [{ method: 'password', at: now - 60 }];

  test('acr_values "aal2 aal1" steps up to aal2 when the user holds a second factor', () => {
    const resolution = resolveAssurance(signedIn, { acceptable: ['aal2', 'aal1'] }, both, levels, now);
    assert.equal(resolution.kind, 'ask');
    assert.deepEqual(resolution.kind === 'ask' && resolution.methods, ['totp']);
  });

  test('acr_values "aal1 aal2" is judged by rank, not by order', () => {
    const resolution = resolveAssurance(signedIn, { acceptable: ['aal1', 'aal2'] }, both, levels, now);
    assert.equal(resolution.kind, 'ask');
  });

  test('acr_values "aal2 aal1" settles for aal1 when no second factor is enrolled', () => {
    const resolution = resolveAssurance(signedIn, { acceptable: ['aal2', 'aal1'] }, [{ method: 'password' }], levels, now);
    assert.deepEqual(resolution, { kind: 'finish', acr: 'aal1', amr: ['pwd'], authTime: now - 60 });
  });

  test('a named level is reported as asked, even when the session reaches more', () => {
    const events: AuthenticationEvent[] = [...signedIn, { method: 'totp', at: now - 10 }];
    const resolution = resolveAssurance(events, { acceptable: ['aal1'] }, both, levels, now);
    assert.deepEqual(resolution, { kind: 'finish', acr: 'aal1', amr: ['pwd', 'otp', 'mfa'], authTime: now - 10 });
  });

  test('no named level reports the highest level reached', () => {
    const events: AuthenticationEvent[] = [...signedIn, { method: 'totp', at: now - 10 }];
    const resolution = resolveAssurance(events, { acceptable: [] }, both, levels, now);
    assert.equal(resolution.kind === 'finish' && resolution.acr, 'aal2');
  });

  test('aal2 without a second factor is unreachable, and enrolling TOTP would help', () => {
    const resolution = resolveAssurance(signedIn, { acceptable: ['aal2'] }, [{ method: 'password' }], levels, now);
    assert.deepEqual(resolution, { kind: 'unreachable', requirement: { acr: 'aal2', maxAge: undefined, methods: undefined } });
    assert.equal(
      enrollmentWouldHelp(signedIn, { acr: 'aal2' }, [{ method: 'password' }], { method: 'totp' }, levels, now),
      true,
    );
    assert.equal(
      enrollmentWouldHelp(signedIn, { acr: 'aal3' }, [{ method: 'password' }], { method: 'totp' }, levels, now),
      false,
    );
  });
});
