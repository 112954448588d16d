// Threat: the transaction is changed on its way to the approval page. The
// attacker can read or rewrite the URL the browser is sent to (a malicious
// extension, a man-in-the-browser, a proxy or analytics script that logs or
// rewrites query strings, a link the user is tricked into opening). If the
// authorization_details rode in that URL, the attacker could swap the payee
// or the amount, so that the user approves one payment on the server's page
// while the token approves another, or at least learn the payment from logs
// and the Referer. The client must push the details (RFC 9126) so that the
// URL holds nothing but client_id and an opaque, single-use request_uri;
// whatever is added to it is not what the server uses (RFC 9126 §4, which
// the fake provider follows; the server's own tests hold it to that).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { POPUP_MESSAGE_TYPE } from '../src/popup.js';
import { paymentDetails, startFakeProvider, type FakeProvider } from './helpers/fake-provider.js';
import { clientOptions, createNodeClient, type NodeBrowserClient } from './helpers/node-browser-client.js';
import { signInAs } from './helpers/sign-in.js';

const PAYMENT = { amount: '9000.00', currency: 'EUR', payee: 'Landlord SARL' };

let provider: FakeProvider;
before(async () => {
  provider = await startFakeProvider();
});
after(() => provider.server.close());

function pay(client: NodeBrowserClient): Promise<Response> {
  return client.fetch(`${provider.issuer}/api/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(PAYMENT),
  });
}

function assertNothingToEdit(authorizationUrl: string): void {
  const url = new URL(authorizationUrl);
  assert.deepEqual([...url.searchParams.keys()], ['client_id', 'request_uri']);
  const text = decodeURIComponent(authorizationUrl);
  for (const secret of ['authorization_details', 'payment_initiation', PAYMENT.amount, PAYMENT.payee, 'acr_values', 'state=']) {
    assert.equal(text.includes(secret), false, `the URL shows ${secret}`);
  }
}

test('redirect mode: the authorization URL holds no transaction to edit', async () => {
  const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
  await signInAs(provider, client, 'aal1');
  const navigation = client.nextNavigation();
  void pay(client);
  assertNothingToEdit(await navigation);
});

test('popup mode: the popup URL holds no transaction to edit', { timeout: 5_000 }, async (t) => {
  const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { mode: 'popup' }));
  t.after(() => client.popups.forEach((popup) => popup.close()));
  await signInAs(provider, client, 'aal1');
  const popupOpened = client.nextPopup();
  const responsePromise = pay(client);
  const popup = await popupOpened;
  assertNothingToEdit(popup.url);
  client.messages.dispatchEvent(
    new MessageEvent('message', { origin: 'http://127.0.0.1:1', data: { type: POPUP_MESSAGE_TYPE, url: provider.authorize(popup.url) } }),
  );
  assert.equal((await responsePromise).status, 200);
});

test('details added to the URL change nothing: the token approves the pushed payment', async () => {
  const client = await createNodeClient(clientOptions(provider.issuer, provider.resource));
  await signInAs(provider, client, 'aal1');
  const navigation = client.nextNavigation();
  void pay(client);
  const edited = new URL(await navigation);
  edited.searchParams.set('authorization_details', JSON.stringify(paymentDetails({ ...PAYMENT, payee: 'Mallory', amount: '90000.00' })));
  const result = await client.handleRedirectCallback(provider.authorize(edited.href));
  assert.equal(result.resumed?.response.status, 200);
  assert.equal(((await result.resumed?.response.json()) as { body: string }).body, JSON.stringify(PAYMENT));
});
