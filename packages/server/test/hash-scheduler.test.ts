// Password hashes go through a HashScheduler. On one core it must hash on
// the event loop yet let the loop's pending I/O run between two hashes (or a
// queue of sign-ins would starve every other request for as long as it
// lasts); on more cores it must keep hashes on the pool, several at once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { HashScheduler } from '../src/crypto/hash-scheduler.js';

const notOnPool = (): Promise<never> => Promise.reject(new Error('ran on the pool'));
const notOnEventLoop = (): never => { throw new Error('ran on the event loop'); };

void describe('HashScheduler', () => {
  void test('on one core, hashes run on the event loop, with a turn of I/O between two of them', async () => {
    const scheduler = new HashScheduler(1);
    assert.equal(scheduler.placement, 'event-loop');
    const order: string[] = [];
    const first = scheduler.run(notOnPool, () => {
      // Stands for a request that arrives while the first hash runs.
      setImmediate(() => order.push('request'));
      order.push('hash 1');
      return 1;
    });
    const second = scheduler.run(notOnPool, () => { order.push('hash 2'); return 2; });
    assert.equal(scheduler.waiting, 1);
    assert.deepEqual(await Promise.all([first, second]), [1, 2]);
    assert.deepEqual(order, ['hash 1', 'request', 'hash 2']);
  });

  void test('on one core, a hash that throws rejects its own call and the next one still runs', async () => {
    const scheduler = new HashScheduler(1);
    const failing = scheduler.run(notOnPool, () => { throw new Error('hash failed'); });
    const next = scheduler.run(notOnPool, () => 'ran');
    await assert.rejects(failing, /hash failed/);
    assert.equal(await next, 'ran');
    assert.equal(scheduler.waiting, 0);
  });

  void test('on two cores, hashes run on the pool, two at once', async () => {
    const scheduler = new HashScheduler(2);
    assert.equal(scheduler.placement, 'pool');
    const started: number[] = [];
    const gates: Array<() => void> = [];
    const runs = [0, 1, 2].map((i) => scheduler.run(() => new Promise<number>((resolve) => {
      started.push(i);
      gates.push(() => resolve(i));
    }), notOnEventLoop));
    await tick();
    assert.deepEqual(started, [0, 1]);
    gates[0]!();
    await tick();
    assert.deepEqual(started, [0, 1, 2]);
    gates[1]!();
    gates[2]!();
    assert.deepEqual(await Promise.all(runs), [0, 1, 2]);
  });

  void test('refuses a core count that is not a positive integer', () => {
    for (const cores of [0, -1, 1.5, Number.NaN]) assert.throws(() => new HashScheduler(cores), RangeError);
  });
});
