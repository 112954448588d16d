// Risk scoring: weights add up to a capped score whose thresholds give the
// level; a signal that throws adds nothing and is reported.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assessRisk, DEFAULT_RISK_SCORING, scoreRisk, type RiskSignal } from '../src/index.js';

describe('risk scoring', () => {
  test('weights add up; the thresholds give the level', () => {
    assert.deepEqual({ ...scoreRisk([]), signals: [] }, { score: 0, level: 'low', signals: [], failed: [] });
    assert.equal(scoreRisk([{ code: 'new_device', evidence: {} }]).level, 'low');
    const medium = scoreRisk([{ code: 'new_device', evidence: {} }, { code: 'unusual_hour', evidence: {} }]);
    assert.equal(medium.score, 30);
    assert.equal(medium.level, 'medium');
    assert.equal(scoreRisk([{ code: 'untrusted_ip', evidence: { list: 'tor' } }]).level, 'high');
  });

  test('the score is capped at 100 and unknown codes weigh nothing', () => {
    const all = Object.keys(DEFAULT_RISK_SCORING.weights).map((code) => ({ code, evidence: {} }));
    assert.equal(scoreRisk(all).score, 100);
    const unknown = scoreRisk([{ code: 'gut_feeling', evidence: {} }]);
    assert.equal(unknown.score, 0);
    assert.equal(unknown.signals[0]?.weight, 0);
  });

  test('assessRisk runs every signal, keeps their evidence and reports the one that failed', async () => {
    const signals: RiskSignal<{ ip: string }>[] = [
      { code: 'new_device', description: 'a device not seen before', evaluate: () => ({ code: 'new_device', evidence: { device_id_known: false } }) },
      { code: 'untrusted_ip', description: 'a listed network', evaluate: async () => { throw new Error('list unreadable'); } },
      { code: 'unusual_hour', description: 'an unusual hour', evaluate: () => undefined },
    ];
    const risk = await assessRisk(signals, { ip: '203.0.113.7' });
    assert.equal(risk.score, 20);
    assert.deepEqual(risk.signals, [{ code: 'new_device', evidence: { device_id_known: false }, weight: 20, description: 'a device not seen before' }]);
    assert.deepEqual(risk.failed, [{ code: 'untrusted_ip', message: 'list unreadable' }]);
  });
});
