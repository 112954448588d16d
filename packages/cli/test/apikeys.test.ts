// `stepwise apikeys`: an operator creates a decision API key (shown once,
// working), lists keys without their secrets, and revokes one, after which
// it no longer authenticates. Return URLs that would let a challenge send
// users to an attacker (plain http off localhost, a fragment, a relative
// path) are refused.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apiKeys, openDatabase } from '@stepwise/server';
import { main } from '../src/index.js';
import { capture, isolate } from './support/cli-kit.js';

describe('stepwise apikeys', () => {
  let env: ReturnType<typeof isolate>;
  before(() => {
    env = isolate();
  });
  after(() => env.restore());

  async function findKey(key: string) {
    const database = await openDatabase(`sqlite:${join(env.dir, 'stepwise.db')}`);
    try {
      return await apiKeys.findApiKey(database.db, key);
    } finally {
      await database.close();
    }
  }

  test('create prints the key once with its id; the key authenticates; list never shows it', async () => {
    const output = capture();
    const code = await main(['apikeys', 'create', 'bank-backend', '--return-to', 'https://bank.example/stepped-up', '--return-to', 'http://localhost:3001/back'], output);
    assert.equal(code, 0, output.errors.join('\n'));
    const id = /^created API key bank-backend \(id ([a-z0-9]{16})\)$/.exec(output.lines[0]!)?.[1];
    assert.ok(id, output.lines[0]);
    const key = /^key: (sw_[a-z0-9]{16}_[A-Za-z0-9_-]{43}) {3}\(shown once/.exec(output.lines[1]!)?.[1];
    assert.ok(key, output.lines[1]);
    assert.deepEqual(output.lines.slice(2), ['return_to: https://bank.example/stepped-up', 'return_to: http://localhost:3001/back']);
    assert.deepEqual((await findKey(key))?.returnTo, ['https://bank.example/stepped-up', 'http://localhost:3001/back']);

    const listed = capture();
    assert.equal(await main(['apikeys', 'list'], listed), 0);
    assert.equal(listed.lines[0], 'name\tid\tcreated\tlast used\trevoked');
    assert.match(listed.lines[1]!, new RegExp(`^bank-backend\\t${id}\\t\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z\\t-\\t-$`));
    // The secret is everything after `sw_<id>_`: base64url may itself hold `_`, so it is not split on it.
    const secret = key.slice(`sw_${id}_`.length);
    assert.equal(secret.length, 43);
    assert.ok(!listed.text().includes(secret), 'the list never shows the secret');
  });

  test('a taken name is refused with ERR_API_KEY_EXISTS', async () => {
    const output = capture();
    assert.equal(await main(['apikeys', 'create', 'bank-backend'], output), 1);
    assert.match(output.errors.join('\n'), /ERR_API_KEY_EXISTS/);
  });

  test('return URLs: http off localhost, a fragment, a relative path are refused; nothing is created', async () => {
    for (const uri of ['http://bank.example/back', 'https://bank.example/back#frag', '/back', 'javascript:alert(1)']) {
      const output = capture();
      assert.equal(await main(['apikeys', 'create', 'evil', '--return-to', uri], output), 1, uri);
      assert.match(output.errors.join('\n'), /return-to: .*\(ERR_VALIDATION\)/, uri);
    }
    const listed = capture();
    await main(['apikeys', 'list'], listed);
    assert.doesNotMatch(listed.text(), /^evil\t/m);
    const loopback = capture();
    assert.equal(await main(['apikeys', 'create', 'local-dev', '--return-to', 'http://127.0.0.1:8080/cb', '--return-to', 'http://[::1]:8080/cb'], loopback), 0, loopback.errors.join('\n'));
  });

  test('revoke: the key stops authenticating at once and shows as revoked; a second revoke is ERR_API_KEY_NOT_FOUND', async () => {
    const created = capture();
    await main(['apikeys', 'create', 'to-revoke'], created);
    const key = /^key: (\S+)/.exec(created.lines[1]!)![1]!;
    assert.ok(await findKey(key));
    const output = capture();
    assert.equal(await main(['apikeys', 'revoke', 'to-revoke'], output), 0);
    assert.deepEqual(output.lines, ['revoked API key to-revoke']);
    assert.equal(await findKey(key), undefined);
    const listed = capture();
    await main(['apikeys', 'list'], listed);
    assert.match(listed.text(), /^to-revoke\t[a-z0-9]{16}\t\S+\t-\t\d{4}-\d{2}-\d{2}T\S+Z$/m);
    const again = capture();
    assert.equal(await main(['apikeys', 'revoke', 'to-revoke'], again), 1);
    assert.match(again.errors.join('\n'), /ERR_API_KEY_NOT_FOUND/);
  });

  test('usage errors exit 2', async () => {
    const output = capture();
    assert.equal(await main(['apikeys', 'create'], output), 2);
    assert.equal(await main(['apikeys', 'rotate'], output), 2);
    assert.match(output.errors.join('\n'), /unknown apikeys action "rotate"/);
  });
});
