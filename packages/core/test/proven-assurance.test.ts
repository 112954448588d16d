// What a token proves, judged against a requirement: rank, the level's
// lifetime and max_age (with leeway), allowed methods shown by amr.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decide, evaluatePolicy, compilePolicy, judgeProof, LevelSet, riskBindings, scoreRisk } from '../src/index.js';

const levels = new LevelSet();
const now = 2_000_000;

describe('judgeProof', () => {
  test('no token proves nothing', () => {
    assert.deepEqual(judgeProof(undefined, { acr: 'aal1' }, levels, now), { met: false, reason: 'no_proof', message: 'no token proves an authentication' });
  });

  test('a higher level meets a lower one; a lower one does not', () => {
    assert.equal(judgeProof({ acr: 'aal2', amr: ['pwd', 'otp'], authTime: now - 10 }, { acr: 'aal1' }, levels, now).met, true);
    const low = judgeProof({ acr: 'aal1', amr: ['pwd'], authTime: now - 10 }, { acr: 'aal2' }, levels, now);
    assert.equal(low.met ? undefined : low.reason, 'level_too_low');
  });

  test('max_age and the level lifetime, with 5 s of leeway', () => {
    const proof = { acr: 'aal2', amr: ['pwd', 'otp'], authTime: now - 305 };
    assert.equal(judgeProof(proof, { acr: 'aal2', maxAge: 300 }, levels, now).met, true);
    const old = judgeProof({ ...proof, authTime: now - 306 }, { acr: 'aal2', maxAge: 300 }, levels, now);
    assert.equal(old.met ? undefined : old.reason, 'too_old');
    const expired = judgeProof({ ...proof, authTime: now - 86_400 - 6 }, { acr: 'aal2' }, levels, now);
    assert.equal(expired.met ? undefined : expired.reason, 'too_old');
  });

  test('allowed methods must show in amr; phishing_resistant needs hwk or swk', () => {
    const codes = judgeProof({ acr: 'aal2', amr: ['pwd', 'otp', 'mfa'], authTime: now }, { acr: 'aal2', methods: ['phishing_resistant'] }, levels, now);
    assert.equal(codes.met ? undefined : codes.reason, 'method_not_allowed');
    assert.equal(judgeProof({ acr: 'aal2', amr: ['swk', 'user', 'mfa'], authTime: now }, { acr: 'aal2', methods: ['phishing_resistant'] }, levels, now).met, true);
  });
});

describe('decide', () => {
  const policy = compilePolicy({ default: { acr: 'aal1' }, rules: [
    { name: 'big', when: 'resource.amount > 1000', require: { acr: 'aal2', maxAge: 300 } },
    { name: 'blocked', when: '"untrusted_ip" in risk.codes', deny: true },
  ] }, levels);
  const base = { action: 'transfer.create', subject: { id: 'u' }, context: {}, session: {} };

  test('allow when the proof meets the requirement, step_up when not, deny when a rule denies', () => {
    const calm = scoreRisk([]);
    const aal2 = { acr: 'aal2', amr: ['pwd', 'otp', 'mfa'], authTime: now - 60 };
    const big = evaluatePolicy(policy, { ...base, resource: { amount: 5000 }, risk: riskBindings(calm) });
    assert.equal(decide(big, calm, aal2, levels, now).decision, 'allow');
    assert.equal(decide(big, calm, { acr: 'aal1', amr: ['pwd'], authTime: now }, levels, now).decision, 'step_up');
    const risky = scoreRisk([{ code: 'untrusted_ip', evidence: { list: 'drop.txt' } }]);
    const denied = decide(evaluatePolicy(policy, { ...base, resource: { amount: 5 }, risk: riskBindings(risky) }), risky, aal2, levels, now);
    assert.equal(denied.decision, 'deny');
    assert.ok(denied.reasons.some((reason) => reason.kind === 'risk' && reason.code === 'untrusted_ip'));
  });
});
