// End to end through the pages, over real HTTP: a user adds an email
// address (the code arrives at a real SMTP server on loopback), a phone
// number (through the signed webhook) and recovery codes on the account
// page, then an application's step-up offers those methods, strongest first;
// the code typed into the page completes it; the page remembers the choice
// next time; a recovery code says how many are left.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { formOf, errorCodeOf, type Browser, type Page } from './support/browser.js';
import { RelyingParty, startTestServer, type TestServer } from './support/harness.js';
import { startSmsReceiver, type SmsReceiver } from './support/sms-receiver.js';
import { codeInMail, startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { DEMO, signIn } from './support/threat-kit.js';

const SECRET = 'an-sms-webhook-secret-of-32-chars!';
const EMAIL = 'dana@bank.test';
const PHONE = '+447700900123';

/** The methods offered besides the selected one, in page order. */
function otherMethods(page: Page): string[] {
  return [...page.body.matchAll(/data-method="([a-z_]+)"/g)].map((match) => match[1]!);
}

describe('step-up with emailed and texted codes and recovery codes, through the pages', () => {
  let server: TestServer;
  let sink: SmtpSink;
  let sms: SmsReceiver;
  let rp: RelyingParty;
  let browser: Browser;
  let recoveryCodes: string[] = [];

  before(async () => {
    sink = await startSmtpSink();
    sms = await startSmsReceiver(SECRET);
    server = await startTestServer({
      overrides: {
        outbox: false,
        email: { from: 'Stepwise <auth@bank.test>', smtp: { host: '127.0.0.1', port: sink.port } },
        sms: { webhook_url: sms.url, webhook_secret: SECRET },
      },
    });
    rp = await RelyingParty.discover(server.issuer);
    ({ browser } = await signIn(server, DEMO));
  });
  after(async () => {
    await server?.destroy();
    await sink?.stop();
    await sms?.stop();
  });

  async function addContact(channel: 'email' | 'sms', destination: string, code: () => Promise<string>): Promise<void> {
    const form = await browser.go(`${server.issuer}/account/contacts?channel=${channel}`);
    const sent = await browser.submit(form, { destination }, '/account/contacts');
    assert.match(sent.body, /We sent a code to/);
    const done = await browser.submit(sent, { code: await code() }, '/account/contacts/confirm');
    assert.ok(done.url.endsWith('/account?done=contact-added'), `${done.status} ${done.url}`);
  }

  test('the account page adds an email address and a phone number, each confirmed by a code sent there', async () => {
    await addContact('email', EMAIL, async () => codeInMail(await sink.waitForMessage(EMAIL)));
    await addContact('sms', PHONE, async () => sms.accepted.at(-1)!.code);
    const account = await browser.go(`${server.issuer}/account`);
    assert.match(account.body, /dana@bank\.test/);
    assert.match(account.body, /\+447700900123/);
  });

  test('recovery codes are shown once, ten of them', async () => {
    const form = await browser.go(`${server.issuer}/account/recovery-codes`);
    const shown = await browser.submit(form, {}, '/account/recovery-codes');
    recoveryCodes = [...shown.body.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((match) => match[1]!);
    assert.equal(recoveryCodes.length, 10);
    const account = await browser.go(`${server.issuer}/account`);
    assert.match(account.body, /data-recovery-left="10"/);
    assert.ok(!recoveryCodes.some((code) => account.body.includes(code)), 'never shown again');
  });

  async function startStepUp(): Promise<{ page: Page; request: Awaited<ReturnType<RelyingParty['authorize']>> }> {
    const request = await rp.authorize({ acr_values: 'aal2', max_age: '0' });
    return { page: await browser.go(request.url), request };
  }

  test('a step-up offers the codes the user has, strongest first; an emailed code typed into the page completes it', async () => {
    const { page, request } = await startStepUp();
    assert.match(page.body, /Confirm with an emailed code/, 'email is the strongest method this user has besides the password');
    assert.deepEqual(otherMethods(page), ['sms_otp', 'recovery_code']);
    const sent = await browser.submit(page, {}, '/send-code');
    assert.match(sent.body, /We sent a code to d•+@bank\.test/);
    const code = codeInMail(await sink.waitForMessage(EMAIL, 5_000, sink.messagesTo(EMAIL).length - 1));
    const landing = await browser.submit(sent, { code }, '/code');
    const tokens = await rp.callback(landing, request);
    const claims = decodeJwt(tokens.id_token!);
    assert.equal(claims.acr, 'aal2');
    for (const value of ['pwd', 'otp', 'mfa']) assert.ok((claims.amr as string[]).includes(value), `amr ${String(claims.amr)} has ${value}`);
  });

  test('a texted code works the same way, and the page then remembers it as the user’s choice', async () => {
    const first = await startStepUp();
    const smsPage = await browser.go(`${first.page.url}?method=sms_otp`);
    const sent = await browser.submit(smsPage, {}, '/send-code');
    const landing = await browser.submit(sent, { code: sms.accepted.at(-1)!.code }, '/code');
    const claims = decodeJwt((await rp.callback(landing, first.request)).id_token!);
    for (const value of ['pwd', 'sms', 'otp', 'mfa']) assert.ok((claims.amr as string[]).includes(value), `amr ${String(claims.amr)} has ${value}`);

    const second = await startStepUp();
    assert.match(second.page.body, /Confirm with a texted code/);
    assert.deepEqual(otherMethods(second.page), ['email_otp', 'recovery_code']);
  });

  test('a recovery code completes a step-up and says how many are left; it never works twice', async () => {
    const { page, request } = await startStepUp();
    const recoveryPage = await browser.go(`${page.url}?method=recovery_code`);
    const paused = await browser.submit(recoveryPage, { code: recoveryCodes[0]! }, '/recovery-code');
    assert.match(paused.body, /Recovery code accepted\. You have 9 recovery codes left\./);
    const landing = await browser.go(formOrLink(paused));
    const claims = decodeJwt((await rp.callback(landing, request)).id_token!);
    assert.equal(claims.acr, 'aal2');

    const again = await startStepUp();
    const reused = await browser.submit(await browser.go(`${again.page.url}?method=recovery_code`), { code: recoveryCodes[0]! }, '/recovery-code');
    assert.equal(errorCodeOf(reused), 'ERR_CODE_REUSED');
    // A recovery code is never made the default choice.
    const fresh = await startStepUp();
    assert.match(fresh.page.body, /Confirm with a texted code/);
  });

  test('a method that cannot meet the requirement is refused even when posted directly', async () => {
    const { page } = await startStepUp();
    const form = formOf(page, '/send-code');
    const answer = await browser.go(form.action.replace('/send-code', '/totp'), { form: { _csrf: form.fields._csrf!, code: '123456' } });
    assert.equal(errorCodeOf(answer), 'ERR_METHOD_NOT_OFFERED');
  });
});

function formOrLink(page: Page): string {
  const href = /<a class="button" href="([^"]+)" data-continue>/.exec(page.body)?.[1];
  if (!href) throw new Error(`no Continue link on ${page.url}:\n${page.body.slice(0, 1500)}`);
  return new URL(href.replaceAll('&amp;', '&'), page.url).href;
}
