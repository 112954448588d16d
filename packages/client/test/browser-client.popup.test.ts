import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StepwiseClientError } from '../src/index.js';
import { POPUP_MESSAGE_TYPE } from '../src/popup.js';
import { startFakeProvider, type FakeProvider } from './helpers/fake-provider.js';
import { clientOptions, createNodeClient, type NodeBrowserClient } from './helpers/node-browser-client.js';
import { signInAs } from './helpers/sign-in.js';

const APP_ORIGIN = 'http://127.0.0.1:1';

function hasCode(code: string) {
  return (error: unknown): boolean => error instanceof StepwiseClientError && error.code === code;
}

/** What the callback page in the popup does: post the callback URL to the opener's window. */
function answerFromPopup(client: NodeBrowserClient, callbackUrl: string, origin = APP_ORIGIN): void {
  client.messages.dispatchEvent(new MessageEvent('message', { origin, data: { type: POPUP_MESSAGE_TYPE, url: callbackUrl } }));
}

describe('StepwiseBrowserClient, popup mode, run in Node against a fake provider', () => {
  let provider: FakeProvider;
  before(async () => {
    provider = await startFakeProvider();
  });
  after(() => provider.server.close());

  async function popupClient(): Promise<NodeBrowserClient> {
    const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { mode: 'popup' }));
    await signInAs(provider, client, 'aal1');
    return client;
  }

  test('a challenge opens a popup; its answer is exchanged and the request retried in place', async () => {
    const client = await popupClient();
    const popupOpened = client.nextPopup();
    const responsePromise = client.fetch(`${provider.issuer}/api/transfers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"amount":"25"}',
    });
    const popup = await popupOpened;
    const params = new URL(popup.url).searchParams;
    assert.equal(params.get('acr_values'), 'aal2');
    assert.equal(params.get('max_age'), '300');

    answerFromPopup(client, provider.authorize(popup.url));
    const response = await responsePromise;
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { method: 'POST', path: '/api/transfers', body: '{"amount":"25"}', acr: 'aal2' });
    assert.equal(popup.closed, true);
    assert.equal(client.accessTokenClaims()?.acr, 'aal2');
    assert.equal(client.navigations.length, 1, 'the page never left');
  });

  test('two challenged calls at once share one popup', async () => {
    const client = await popupClient();
    const popupOpened = client.nextPopup();
    const first = client.fetch(`${provider.issuer}/api/transfers`, { method: 'POST', body: 'a=1' });
    const second = client.fetch(`${provider.issuer}/api/transfers`, { method: 'POST', body: 'a=2' });
    const popup = await popupOpened;
    await new Promise((resolve) => setTimeout(resolve, 50));
    answerFromPopup(client, provider.authorize(popup.url));
    assert.deepEqual([(await first).status, (await second).status], [200, 200]);
    assert.equal(client.popups.length, 1);
  });

  test('a denied step-up rejects with the OAuth error', async () => {
    const client = await popupClient();
    const popupOpened = client.nextPopup();
    const responsePromise = client.fetch(`${provider.issuer}/api/transfers`, { method: 'POST', body: 'a=1' });
    const popup = await popupOpened;
    answerFromPopup(client, provider.authorize(popup.url, { error: 'access_denied' }));
    await assert.rejects(responsePromise, hasCode('ERR_CLIENT_AUTHORIZATION_DENIED'));
    assert.equal(client.accessTokenClaims()?.acr, 'aal1');
  });

  test('a blocked popup is ERR_CLIENT_POPUP_BLOCKED', async () => {
    const client = await popupClient();
    client.blockPopups = true;
    await assert.rejects(client.fetch(`${provider.issuer}/api/transfers`, { method: 'POST', body: 'a=1' }), hasCode('ERR_CLIENT_POPUP_BLOCKED'));
  });

  test('a popup closed by the user is ERR_CLIENT_POPUP_CLOSED', async () => {
    const client = await popupClient();
    const popupOpened = client.nextPopup();
    const responsePromise = client.fetch(`${provider.issuer}/api/transfers`, { method: 'POST', body: 'a=1' });
    (await popupOpened).close();
    await assert.rejects(responsePromise, hasCode('ERR_CLIENT_POPUP_CLOSED'));
  });

  describe('completePopup, on the callback page', () => {
    test('posts the callback URL to the opener, for the app origin only, and closes', async () => {
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { mode: 'popup' }));
      const posted: Array<{ message: unknown; targetOrigin: string }> = [];
      client.openerWindow = { postMessage: (message, targetOrigin) => posted.push({ message, targetOrigin }) };
      client.page = `${APP_ORIGIN}/callback.html?code=c&state=s&iss=x`;
      client.completePopup();
      assert.deepEqual(posted, [{ message: { type: POPUP_MESSAGE_TYPE, url: client.page }, targetOrigin: APP_ORIGIN }]);
      assert.equal(client.closedWindow, true);
    });

    test('without an opener it throws ERR_CLIENT_NO_OPENER', async () => {
      const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { mode: 'popup' }));
      assert.throws(() => client.completePopup(`${APP_ORIGIN}/callback.html?code=c&state=s`), hasCode('ERR_CLIENT_NO_OPENER'));
      assert.equal(client.closedWindow, false);
    });
  });
});
