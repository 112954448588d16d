// The audit chain must show any edit after the fact: a changed field, a
// removed event (in the middle or at the end), an inserted or a reordered
// one — and name the first event that breaks it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chainEvents, GENESIS_HASH, verifyAuditChain, type AuditEventInput, type AuditRecord } from '../src/index.js';

const events: AuditEventInput[] = Array.from({ length: 6 }, (_, index) => ({
  type: index % 2 === 0 ? 'decision' : 'step_up_satisfied',
  at: 1_764_597_720_000 + index * 1000,
  subject: `usr_${index % 3}`,
  actor: 'api_key:bank-backend',
  requirement: { acr: 'aal2', max_age: 300 },
  rules: ['large-transfer'],
  signals: [{ code: 'new_device', weight: 20 }],
  outcome: index % 2 === 0 ? 'step_up' : 'totp',
  details: { decision_id: `dec_${index}` },
}));

function chain(): AuditRecord[] {
  return chainEvents({ seq: 0, hash: GENESIS_HASH }, events).records;
}

describe('audit chain', () => {
  test('an untouched chain verifies, and appending continues it', async () => {
    const first = chainEvents({ seq: 0, hash: GENESIS_HASH }, events.slice(0, 3));
    const second = chainEvents(first.head, events.slice(3));
    const records = [...first.records, ...second.records];
    assert.deepEqual(records, chain(), 'appending in two batches gives the same chain as one');
    const verdict = await verifyAuditChain(records, second.head);
    assert.deepEqual(verdict, { ok: true, checked: 6, head: second.head });
    assert.equal(records[0]!.prevHash, GENESIS_HASH);
    assert.match(records[5]!.hash, /^[0-9a-f]{64}$/);
  });

  test('a changed field is named at its event', async () => {
    const records = chain();
    records[3] = { ...records[3]!, outcome: 'recovery_code' };
    assert.deepEqual(await verifyAuditChain(records), {
      ok: false, checked: 3, seq: 4, reason: 'hash_mismatch', message: 'event 4 was changed after it was written (its hash does not match its fields)',
    });
    const rehashed = chain();
    const edited = chainEvents({ seq: 2, hash: rehashed[1]!.hash }, [{ ...events[2]!, subject: 'usr_mallory' }]).records[0]!;
    rehashed[2] = edited;
    const verdict = await verifyAuditChain(rehashed);
    assert.equal(verdict.ok, false);
    assert.equal(!verdict.ok && verdict.seq, 4, 'an edit with a recomputed hash breaks the next link');
    assert.equal(!verdict.ok && verdict.reason, 'prev_hash_mismatch');
  });

  test('a removed, inserted or reordered event breaks the chain there', async () => {
    const removed = chain().filter((record) => record.seq !== 3);
    assert.equal((await verifyAuditChain(removed)).ok === false && (await verifyAuditChain(removed) as { reason: string }).reason, 'seq_gap');
    const reordered = chain();
    [reordered[1], reordered[2]] = [reordered[2]!, reordered[1]!];
    const verdict = await verifyAuditChain(reordered);
    assert.deepEqual(!verdict.ok && [verdict.seq, verdict.reason], [3, 'seq_gap']);
    const renumbered = chain().filter((record) => record.seq !== 3).map((record) => (record.seq > 3 ? { ...record, seq: record.seq - 1 } : record));
    const relinked = await verifyAuditChain(renumbered);
    assert.deepEqual(!relinked.ok && [relinked.seq, relinked.reason], [3, 'prev_hash_mismatch']);
  });

  test('removing the last events shows against the recorded head', async () => {
    const full = chainEvents({ seq: 0, hash: GENESIS_HASH }, events);
    const verdict = await verifyAuditChain(full.records.slice(0, 4), full.head);
    assert.deepEqual(!verdict.ok && [verdict.seq, verdict.reason], [6, 'truncated']);
    assert.equal((await verifyAuditChain(full.records.slice(0, 4))).ok, true, 'without the head, a cut chain still links');
  });

  test('async iterables verify too', async () => {
    async function* stream() {
      for (const record of chain()) yield record;
    }
    assert.equal((await verifyAuditChain(stream())).ok, true);
  });
});
