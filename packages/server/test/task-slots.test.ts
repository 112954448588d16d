// Password hashes run through TaskSlots, at most one per core: if it let
// more through, hashes would time-share cores again; if it lost a slot on a
// failed task, sign-ins would stall for good once enough hashes had failed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { TaskSlots } from '../src/crypto/task-slots.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

void describe('TaskSlots', () => {
  void test('runs at most `size` tasks at once and starts the others in arrival order', async () => {
    const slots = new TaskSlots(2);
    const gates = Array.from({ length: 5 }, () => deferred());
    const started: number[] = [];
    const runs = gates.map((gate, i) => slots.run(async () => { started.push(i); await gate.promise; return i; }));
    await tick();
    assert.deepEqual(started, [0, 1]);
    assert.equal(slots.waiting, 3);
    gates[1]!.resolve();
    await tick();
    assert.deepEqual(started, [0, 1, 2]);
    gates[0]!.resolve();
    gates[2]!.resolve();
    await tick();
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    gates[3]!.resolve();
    gates[4]!.resolve();
    assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4]);
    assert.equal(slots.waiting, 0);
  });

  void test('a task that fails gives its error to its caller and its slot to the next', async () => {
    const slots = new TaskSlots(1);
    const failing = slots.run(() => Promise.reject(new Error('hash failed')));
    const next = slots.run(() => Promise.resolve('ran'));
    await assert.rejects(failing, /hash failed/);
    assert.equal(await next, 'ran');
    // The slot came back: a later task does not wait.
    let ran = false;
    await slots.run(async () => { ran = true; });
    assert.equal(ran, true);
    assert.equal(slots.waiting, 0);
  });

  void test('refuses a size that is not a positive integer', () => {
    for (const size of [0, -1, 1.5, Number.NaN]) assert.throws(() => new TaskSlots(size), RangeError);
  });
});
