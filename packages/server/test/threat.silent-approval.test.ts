// Threat: a transaction approved without the user. The session already
// holds aal2, so a script in the relying party (or one that hijacked it)
// asks for a bound token with prompt=none, or simply hopes the session is
// enough, and gets a token for a payment the user never saw.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RelyingParty, RP_REDIRECT_URI, startTestServer, type TestServer } from './support/harness.js';
import { signIn } from './support/threat-kit.js';
import { answerWithCode, approver, PAYMENT, pushAuthorization, redirectError } from './support/transaction-kit.js';

describe('threat: silent approval of a transaction', () => {
  let server: TestServer;
  let rp: RelyingParty;

  before(async () => {
    server = await startTestServer();
    rp = await RelyingParty.discover(server.issuer);
  });
  after(async () => server.destroy());

  test('a session holding fresh aal2 still gives a factor, on the page showing the payment, before a bound token', async () => {
    const payer = await approver(server, 'quiet');
    const ordinary = await rp.authorize({ acr_values: 'aal2', max_age: '60' });
    const silent = await payer.browser.go(ordinary.url);
    assert.ok(silent.url.startsWith(RP_REDIRECT_URI), 'an ordinary aal2 request within a minute needs no page');
    assert.equal((await rp.callback(silent, ordinary)).claims()!.acr, 'aal2');

    const none = await pushAuthorization(rp, [PAYMENT], { acr_values: 'aal2', prompt: 'none' });
    const refused = await payer.browser.go(none.url);
    assert.ok(refused.url.startsWith(RP_REDIRECT_URI), `expected a redirect to the client, got ${refused.url}`);
    const { error, description, code } = redirectError(refused);
    assert.equal(error, 'login_required');
    assert.match(description ?? '', /factor given now/);
    assert.equal(code, null, 'no code for a transaction nobody approved');

    const request = await pushAuthorization(rp, [PAYMENT], { acr_values: 'aal2' });
    const page = await payer.browser.go(request.url);
    assert.equal(page.url.startsWith(RP_REDIRECT_URI), false, 'the session alone is not an approval');
    assert.match(page.body, /Pay 5,000.00 EUR to ACME/);
    assert.match(page.body, /autocomplete="one-time-code"/);
    const tokens = await rp.callback(await answerWithCode(payer.browser, page, payer.nextCode()), request);
    assert.deepEqual(tokens.authorization_details, [PAYMENT]);
  });

  test('leaving the approval page approves nothing', async () => {
    const { browser } = await signIn(server);
    const request = await pushAuthorization(rp, [PAYMENT]);
    const page = await browser.go(request.url);
    assert.match(page.body, /Pay 5,000.00 EUR to ACME/);
    const uid = /\/interaction\/([A-Za-z0-9_-]+)/.exec(page.url)?.[1];
    assert.ok(uid, page.url);
    const landing = await browser.go(`${server.issuer}/interaction/${uid}/abort`);
    assert.equal(redirectError(landing).error, 'access_denied');
    assert.equal(redirectError(landing).code, null);
  });
});
