// A process pinned to one core hashes passwords on its event loop
// (HashScheduler): the real argon2id calls must work there as they do on the
// pool, right and wrong passwords, new hashes and the dummy verification,
// or every sign-in on a one-core container would fail.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const passwordsModule = new URL('../src/crypto/passwords.js', import.meta.url).href;

const CHILD = `
import { hashPassword, verifyPassword, verifyAgainstDummy, PASSWORD_HASH_PLACEMENT } from ${JSON.stringify(passwordsModule)};
const stored = await hashPassword('correct horse battery staple');
const [right, wrong, dummy] = await Promise.all([
  verifyPassword(stored, 'correct horse battery staple'),
  verifyPassword(stored, 'correct horse battery stapl'),
  verifyAgainstDummy('anything'),
]);
console.log(JSON.stringify({ placement: PASSWORD_HASH_PLACEMENT, prefix: stored.slice(0, 30), right, wrong, dummy }));
`;

void test('pinned to one core, passwords are hashed and verified on the event loop', () => {
  const output = execFileSync('taskset', ['-c', '0', process.execPath, '--input-type=module', '-e', CHILD], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(output), {
    placement: 'event-loop',
    prefix: '$argon2id$v=19$m=19456,t=2,p=1',
    right: true,
    wrong: false,
    dummy: false,
  });
});
