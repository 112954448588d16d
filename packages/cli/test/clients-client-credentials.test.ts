// `stepwise clients add --confidential --client-credentials`: an operator
// registers a backend that gets tokens of its own (no user). Without a
// redirect URI it is that grant only; with one, a web app that may also
// use it. A public client may not have the grant: it has no secret, so
// anyone who knows its id could take its tokens.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { clients, openDatabase } from '@stepwise/server';
import { main } from '../src/index.js';
import { capture, isolate } from './support/cli-kit.js';

describe('stepwise clients add --client-credentials', () => {
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

  test('without a redirect URI: a confidential backend with that grant only, its secret printed once', async () => {
    const output = capture();
    assert.equal(await main(['clients', 'add', 'reports', '--confidential', '--client-credentials'], output), 0, output.errors.join('\n'));
    assert.match(output.lines.join('\n'), /created confidential client reports \(client_credentials allowed\)/);
    const secret = /client secret: (\S+)/.exec(output.lines.join('\n'))?.[1];
    const metadata = await metadataOf('reports');
    assert.deepEqual(metadata?.grant_types, ['client_credentials']);
    assert.deepEqual(metadata?.response_types, []);
    assert.deepEqual(metadata?.redirect_uris, []);
    assert.equal(metadata?.token_endpoint_auth_method, 'client_secret_basic');
    assert.equal(metadata?.client_secret, secret);
  });

  test('with a redirect URI: the sign-in grants plus client_credentials', async () => {
    const output = capture();
    assert.equal(await main(['clients', 'add', 'portal', '--redirect-uri', 'https://portal.example/cb', '--confidential', '--client-credentials'], output), 0, output.errors.join('\n'));
    assert.deepEqual((await metadataOf('portal'))?.grant_types, ['authorization_code', 'refresh_token', 'client_credentials']);
  });

  test('without the flag no client gets the grant', async () => {
    assert.equal(await main(['clients', 'add', 'web', '--redirect-uri', 'https://web.example/cb', '--confidential'], capture()), 0);
    assert.deepEqual((await metadataOf('web'))?.grant_types, ['authorization_code', 'refresh_token']);
  });

  test('a public client may not have the grant: a clear error, nothing stored', async () => {
    const output = capture();
    assert.equal(await main(['clients', 'add', 'spa', '--redirect-uri', 'https://spa.example/cb', '--client-credentials'], output), 2);
    assert.match(output.errors.join('\n'), /--client-credentials needs --confidential/);
    assert.equal(await metadataOf('spa'), undefined);
  });

  test('no redirect URI is still an error for a client that signs users in', async () => {
    const output = capture();
    assert.equal(await main(['clients', 'add', 'bare', '--confidential'], output), 2);
    assert.match(output.errors.join('\n'), /needs at least one --redirect-uri \(or --confidential --client-credentials/);
    const par = capture();
    assert.equal(await main(['clients', 'add', 'par', '--confidential', '--client-credentials', '--require-par'], par), 2);
    assert.match(par.errors.join('\n'), /--require-par needs a --redirect-uri/);
  });
});
