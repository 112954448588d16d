// `stepwise clients add --require-par --authorization-details-types`: an
// operator registers a client that must push its requests (RFC 9126) and
// may bind tokens only to the named transaction types (RFC 9396). A type
// the configuration does not define is refused, since the server could not
// load a client limited to it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { clients, openDatabase } from '@stepwise/server';
import { main } from '../src/index.js';
import { capture, isolate } from './support/cli-kit.js';

describe('stepwise clients add: PAR and authorization details types', () => {
  let env: ReturnType<typeof isolate>;
  before(() => {
    env = isolate();
  });
  after(() => env.restore());

  async function metadataOf(clientId: string): Promise<Record<string, unknown> | undefined> {
    const database = await openDatabase(`sqlite:${join(env.dir, 'stepwise.db')}`);
    try {
      return (await clients.findClient(database.db, clientId))?.metadata;
    } finally {
      await database.close();
    }
  }

  test('the flags are stored as client metadata; the list of types is trimmed and deduplicated', async () => {
    const output = capture();
    const code = await main([
      'clients', 'add', 'bank-web', '--redirect-uri', 'https://bank.example/cb',
      '--require-par', '--authorization-details-types', 'payment_initiation, stepwise_action,payment_initiation',
    ], output);
    assert.equal(code, 0, output.errors.join('\n'));
    const metadata = await metadataOf('bank-web');
    assert.equal(metadata?.require_pushed_authorization_requests, true);
    assert.deepEqual(metadata?.authorization_details_types, ['payment_initiation', 'stepwise_action']);
  });

  test('without the flags nothing is added: no PAR requirement, every configured type', async () => {
    assert.equal(await main(['clients', 'add', 'plain', '--redirect-uri', 'https://plain.example/cb'], capture()), 0);
    const metadata = await metadataOf('plain');
    assert.equal(metadata?.require_pushed_authorization_requests, undefined);
    assert.equal(metadata?.authorization_details_types, undefined);
  });

  test('a type the configuration does not define is refused, naming the known ones', async () => {
    const output = capture();
    assert.equal(await main(['clients', 'add', 'crypto', '--redirect-uri', 'https://c.example/cb', '--authorization-details-types', 'crypto_transfer'], output), 1);
    assert.match(output.errors.join('\n'), /authorization-details-types: crypto_transfer is not a type of the configuration \(known: payment_initiation, stepwise_action\) \(ERR_VALIDATION\)/);
    assert.equal(await metadataOf('crypto'), undefined);

    const empty = capture();
    assert.equal(await main(['clients', 'add', 'empty', '--redirect-uri', 'https://e.example/cb', '--authorization-details-types', ' , '], empty), 1);
    assert.match(empty.errors.join('\n'), /name at least one type/);
  });

  test('with rich authorization requests off, any type is refused', async () => {
    const config = env.file('no-rar.yaml', 'authorization_details:\n  types: {}\n');
    const output = capture();
    const code = await main(['clients', 'add', 'late', '--config', config, '--redirect-uri', 'https://l.example/cb', '--authorization-details-types', 'payment_initiation'], output);
    assert.equal(code, 1);
    assert.match(output.errors.join('\n'), /rich authorization requests are off/);
  });
});
