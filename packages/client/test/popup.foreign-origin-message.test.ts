// Threat: a forged popup answer. While the step-up popup is open, a page
// from another origin (an ad frame, another tab holding a reference to the
// app window) posts a message shaped like the callback, with a code of the
// attacker's choosing. The opener must ignore messages from any origin but
// the redirect URI's, and answers for another state, and keep waiting for
// the real one.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { POPUP_MESSAGE_TYPE } from '../src/popup.js';
import { startFakeProvider, type FakeProvider } from './helpers/fake-provider.js';
import { clientOptions, createNodeClient } from './helpers/node-browser-client.js';
import { settle, signInAs } from './helpers/sign-in.js';

let provider: FakeProvider;
before(async () => {
  provider = await startFakeProvider();
});
after(() => provider.server.close());

test('messages from another origin or for another state are ignored', async () => {
  const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { mode: 'popup' }));
  await signInAs(provider, client, 'aal1');
  const popupOpened = client.nextPopup();
  let settled = false;
  const responsePromise = client.fetch(`${provider.issuer}/api/transfers`, { method: 'POST', body: 'a=1' });
  void responsePromise.finally(() => (settled = true));
  const popup = await popupOpened;
  const realCallback = provider.authorize(popup.url);
  const post = (origin: string, data: unknown): boolean =>
    client.messages.dispatchEvent(new MessageEvent('message', { origin, data }));
  const tokenRequestsBefore = provider.server.seen.filter((seen) => seen.path === '/token').length;

  // The attacker replays the real URL from their own origin.
  post('https://evil.example', { type: POPUP_MESSAGE_TYPE, url: realCallback });
  // Right origin, but an answer to some other request.
  const otherState = new URL(realCallback);
  otherState.searchParams.set('state', 'attacker-state');
  post('http://127.0.0.1:1', { type: POPUP_MESSAGE_TYPE, url: otherState.href });
  // Wrong shapes.
  post('http://127.0.0.1:1', realCallback);
  post('http://127.0.0.1:1', { type: POPUP_MESSAGE_TYPE, url: 42 });
  post('http://127.0.0.1:1', null);
  await settle();
  assert.equal(settled, false);
  assert.equal(provider.server.seen.filter((seen) => seen.path === '/token').length, tokenRequestsBefore);

  post('http://127.0.0.1:1', { type: POPUP_MESSAGE_TYPE, url: realCallback });
  assert.equal((await responsePromise).status, 200);
});
