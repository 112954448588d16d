import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { StepwiseClientError } from '../src/index.js';
import { POPUP_MESSAGE_TYPE } from '../src/popup.js';
import { paymentDetails, startFakeProvider, type FakeProvider } from './helpers/fake-provider.js';
import { MemoryStorage } from './helpers/memory-storage.js';
import { clientOptions, createNodeClient, type FakePopup, type NodeBrowserClient } from './helpers/node-browser-client.js';
import { settle, signInAs } from './helpers/sign-in.js';

const TOKENS = 'stepwise:bank-web:tokens';
// A regression that never opens the awaited popup fails here instead of hanging the run.
const WAIT = { timeout: 5_000 };
const PAYMENT = { amount: '120.00', currency: 'EUR', payee: 'City Power' };

function claimsOf(authorization: string | undefined): Record<string, unknown> {
  const payload = (authorization ?? '').replace(/^Bearer /, '').split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function answerFromPopup(client: NodeBrowserClient, callbackUrl: string): void {
  client.messages.dispatchEvent(new MessageEvent('message', { origin: 'http://127.0.0.1:1', data: { type: POPUP_MESSAGE_TYPE, url: callbackUrl } }));
}

/** Resolves once `count` popups are open. */
async function popupsOpen(client: NodeBrowserClient, count: number): Promise<FakePopup[]> {
  while (client.popups.length < count) await client.nextPopup();
  return client.popups.slice(0, count);
}

describe('StepwiseBrowserClient, bound step-up in popup mode', () => {
  let provider: FakeProvider;
  let storage: MemoryStorage;
  let clients: NodeBrowserClient[] = [];
  before(async () => {
    provider = await startFakeProvider();
  });
  after(() => provider.server.close());
  // A popup left open keeps its wait polling; closing it ends the wait, even after a failure.
  afterEach(() => {
    for (const popup of clients.flatMap((client) => client.popups)) popup.close();
    clients = [];
  });

  async function popupClient(): Promise<NodeBrowserClient> {
    storage = new MemoryStorage();
    const client = await createNodeClient(clientOptions(provider.issuer, provider.resource, { mode: 'popup', storage }));
    await signInAs(provider, client, 'aal1');
    clients.push(client);
    return client;
  }

  function pay(client: NodeBrowserClient, payment = PAYMENT): Promise<Response> {
    return client.fetch(`${provider.issuer}/api/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payment),
    });
  }

  test('the popup\'s token is used for the retry only; the stored tokens are unchanged', WAIT, async () => {
    const client = await popupClient();
    const tokensBefore = storage.getItem(TOKENS);
    const responsePromise = pay(client);
    const [popup] = await popupsOpen(client, 1);
    assert.deepEqual([...new URL(popup?.url ?? '').searchParams.keys()], ['client_id', 'request_uri']);
    assert.equal(provider.pushed.at(-1)?.get('authorization_details'), JSON.stringify(paymentDetails(PAYMENT)));

    answerFromPopup(client, provider.authorize(popup?.url ?? ''));
    const response = await responsePromise;
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { bound: boolean }).bound, true);
    assert.deepEqual(claimsOf(provider.apiRequests().at(-1)?.headers.authorization).authorization_details, paymentDetails(PAYMENT));
    assert.equal(popup?.closed, true);
    assert.equal(storage.getItem(TOKENS), tokensBefore);
    assert.deepEqual(storage.keys(), [TOKENS]);
    assert.equal(client.accessTokenClaims()?.acr, 'aal1');
    assert.equal(client.navigations.length, 1, 'the page never left');
  });

  test('two bound calls at once get a popup each, under different window names', WAIT, async () => {
    const client = await popupClient();
    const second = { ...PAYMENT, amount: '75.50', payee: 'Water Co' };
    const first = pay(client);
    const other = pay(client, second);
    const popups = await popupsOpen(client, 2);
    await settle();
    assert.equal(client.popups.length, 2);
    const names = popups.map((popup) => popup.name);
    assert.notEqual(names[0], names[1]);
    for (const name of names) assert.match(name, /^stepwise-sign-in-/);

    // Answer in the reverse order: each answer finds its own call by state.
    for (const popup of [...popups].reverse()) answerFromPopup(client, provider.authorize(popup.url));
    assert.deepEqual([(await first).status, (await other).status], [200, 200]);
    const approved = provider
      .apiRequests()
      .filter((seen) => seen.path === '/api/payments' && claimsOf(seen.headers.authorization).authorization_details !== undefined)
      .map((seen) => claimsOf(seen.headers.authorization).authorization_details);
    assert.deepEqual(new Set(approved.map((details) => JSON.stringify(details))), new Set([
      JSON.stringify(paymentDetails(PAYMENT)),
      JSON.stringify(paymentDetails(second)),
    ]));
  });

  test('unbound step-ups still share the one named popup', WAIT, async () => {
    const client = await popupClient();
    const first = client.fetch(`${provider.issuer}/api/transfers`, { method: 'POST', body: 'a=1' });
    const other = client.fetch(`${provider.issuer}/api/transfers`, { method: 'POST', body: 'a=2' });
    const [popup] = await popupsOpen(client, 1);
    await settle();
    assert.equal(client.popups.length, 1);
    assert.equal(popup?.name, 'stepwise-sign-in');
    answerFromPopup(client, provider.authorize(popup?.url ?? ''));
    assert.deepEqual([(await first).status, (await other).status], [200, 200]);
  });

  test('a bound token refused with invalid_token does not end the session', WAIT, async (t) => {
    const client = await popupClient();
    const tokensBefore = storage.getItem(TOKENS);
    provider.refuseBoundTokens = true;
    t.after(() => (provider.refuseBoundTokens = false));
    const responsePromise = pay(client);
    const [popup] = await popupsOpen(client, 1);
    answerFromPopup(client, provider.authorize(popup?.url ?? ''));
    const response = await responsePromise;
    assert.equal(response.status, 401);
    assert.equal(client.isSignedIn(), true);
    assert.equal(storage.getItem(TOKENS), tokensBefore);
    assert.equal(client.navigations.length, 1, 'no new sign-in was started');
  });

  test('a refused push opens no popup', WAIT, async (t) => {
    const client = await popupClient();
    provider.parFailure = { status: 400, body: JSON.stringify({ error: 'invalid_authorization_details' }) };
    t.after(() => (provider.parFailure = undefined));
    await assert.rejects(pay(client), (error: unknown) => error instanceof StepwiseClientError && error.code === 'ERR_CLIENT_PAR_FAILED');
    assert.deepEqual(client.popups, []);
  });
});
