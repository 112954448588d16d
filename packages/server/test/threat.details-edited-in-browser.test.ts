// Threat: the transaction is edited in the browser. Whoever controls the
// page, an extension or the address bar changes the amount or the payee of
// a step-up request, so that the user's approval covers another payment; or
// replays a pushed request to get a second token for one approval.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { clients, epochSeconds } from '../src/index.js';
import { browserFor, RelyingParty, RP_REDIRECT_URI, startTestServer, type TestServer } from './support/harness.js';
import type { Browser } from './support/browser.js';
import { DEMO } from './support/threat-kit.js';
import { answerWithCode, approver, PAYMENT, pushAuthorization, redirectError } from './support/transaction-kit.js';

const PAR_ONLY = { id: 'par-only', redirectUri: 'http://127.0.0.1:9/par-only-callback' };
const MALLORY = { ...PAYMENT, creditorName: 'Mallory', creditorAccount: { iban: 'GB82WEST12345698765432' } };

function refusedRequestUri(page: { url: string; body: string }): boolean {
  return new URL(page.url).searchParams.get('error') === 'invalid_request_uri' || page.body.includes('invalid_request_uri');
}

/**
 * The interaction cookies of the tab just opened. They are path-scoped to
 * one interaction, so a real browser keeps one set per tab; the test
 * browser keeps cookies by name, so each tab's set is put back by hand.
 */
function tabCookies(browser: Browser): Array<[string, string]> {
  return [...browser.cookies].filter(([name]) => name.startsWith('_interaction'));
}

function switchTo(browser: Browser, tab: Array<[string, string]>): void {
  for (const [name] of tabCookies(browser)) browser.cookies.delete(name);
  for (const [name, value] of tab) browser.cookies.set(name, value);
}

describe('threat: transaction details edited in the browser', () => {
  let server: TestServer;
  let rp: RelyingParty;

  before(async () => {
    server = await startTestServer();
    rp = await RelyingParty.discover(server.issuer);
    await clients.upsertClient(server.server.database.db, {
      client_id: PAR_ONLY.id,
      redirect_uris: [PAR_ONLY.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      require_pushed_authorization_requests: true,
    }, epochSeconds());
  });
  after(async () => server.destroy());

  test('details in a plain authorization URL are refused before any page asks the user', async () => {
    const request = await rp.authorize({ acr_values: 'aal2', authorization_details: JSON.stringify([PAYMENT]) });
    const landing = await browserFor(server).go(request.url);
    assert.ok(landing.url.startsWith(RP_REDIRECT_URI), `expected a redirect to the client, got ${landing.url}`);
    const { error, description, code } = redirectError(landing);
    assert.equal(error, 'invalid_request');
    assert.match(description ?? '', /pushed authorization request endpoint/);
    assert.equal(code, null);
  });

  test('details added to a pushed request\'s URL are ignored: the page and the token show what was pushed', async () => {
    const payer = await approver(server, 'edited');
    const request = await pushAuthorization(rp, [PAYMENT], { acr_values: 'aal2' });
    const edited = new URL(request.url);
    edited.searchParams.set('authorization_details', JSON.stringify([MALLORY]));
    const page = await payer.browser.go(edited.href);
    assert.match(page.body, /Pay 5,000.00 EUR to ACME/);
    assert.doesNotMatch(page.body, /Mallory/);
    const tokens = await rp.callback(await answerWithCode(payer.browser, page, payer.nextCode()), request);
    assert.deepEqual(tokens.authorization_details, [PAYMENT]);
  });

  test('a request_uri is single use: a second tab is refused after a valid factor, and a later replay at once', async () => {
    const payer = await approver(server, 'replayer');
    const request = await pushAuthorization(rp, [PAYMENT], { acr_values: 'aal2' });
    const firstTab = await payer.browser.go(request.url);
    const firstCookies = tabCookies(payer.browser);
    const secondTab = await payer.browser.go(request.url);
    const secondCookies = tabCookies(payer.browser);
    switchTo(payer.browser, firstCookies);
    await rp.callback(await answerWithCode(payer.browser, firstTab, payer.nextCode()), request);

    switchTo(payer.browser, secondCookies);
    const second = await answerWithCode(payer.browser, secondTab, payer.nextCode());
    assert.ok(second.url.startsWith(RP_REDIRECT_URI), `expected a redirect to the client, got ${second.url}`);
    assert.equal(redirectError(second).error, 'invalid_request_uri');
    assert.equal(redirectError(second).code, null);

    assert.ok(refusedRequestUri(await payer.browser.go(request.url)), 'the used request_uri is refused');
    const guessed = new URL(request.url);
    guessed.searchParams.set('request_uri', 'urn:ietf:params:oauth:request_uri:guessed');
    assert.ok(refusedRequestUri(await payer.browser.go(guessed.href)), 'a made-up request_uri is refused');
  });

  test('a client that requires PAR cannot send a plain authorization request, even an ordinary one', async () => {
    const parOnly = await RelyingParty.discover(server.issuer, PAR_ONLY);
    const browser = browserFor(server);
    const plain = await browser.go((await parOnly.authorize()).url);
    assert.equal(redirectError(plain).error, 'invalid_request');
    assert.equal(redirectError(plain).description, 'Pushed Authorization Request must be used');
    assert.equal(redirectError(plain).code, null);

    const pushed = await pushAuthorization(parOnly, [PAYMENT]);
    const page = await browser.go(pushed.url);
    const tokens = await parOnly.callback(await browser.submit(page, { ...DEMO }, '/password'), pushed);
    assert.deepEqual(tokens.authorization_details, [PAYMENT]);
  });
});
