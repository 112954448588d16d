// Popup mode in a real headless Chromium: the user chooses to confirm with
// Stepwise "in a popup window". A large transfer's RFC 9470 challenge then
// opens Stepwise in a popup while the bank's page stays where it is, with
// whatever the user had typed; the popup's callback page hands the code to
// the page and closes itself, and the SDK sends the transfer again, once.
// Closing the popup before confirming leaves the page usable, with a clear
// message.
//
// The popup must keep its `window.opener` all the way to the bank's
// callback page. Chromium cuts it (a new browsing context group, the name
// cleared too) as soon as any navigation response in the popup, redirects
// included, carries a Cross-Origin-Opener-Policy other than `unsafe-none`,
// which is why Stepwise's authorization endpoint and sign-in pages send
// `unsafe-none`; a failure names the response that cut it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DemoWorld } from './support/demo-world.js';
import {
  answerTotp,
  assertText,
  awaitTotpPage,
  outputPath,
  signIn,
  STEP_UP_CHALLENGE,
  watchPageProblems,
  watchTransfers,
  withBankInChromium,
  type Authenticator,
} from './support/bank-browser.js';

const OPENER_POLICY = 'cross-origin-opener-policy';

/** A navigation response and the opener policy it carried. */
interface NavigationAnswer {
  /** Undefined for the first request of a new window, sent before its frame exists. */
  readonly page: Page | undefined;
  readonly description: string;
  readonly openerPolicy: string | undefined;
}

/** Records every navigation response in `context`, redirects included. */
function watchNavigations(context: BrowserContext): NavigationAnswer[] {
  const answers: NavigationAnswer[] = [];
  context.on('response', (response) => {
    const request = response.request();
    if (!request.isNavigationRequest()) return;
    const url = new URL(response.url());
    const path = url.pathname.replace(/\/[A-Za-z0-9_-]{20,}/g, '/…') + (url.search === '' ? '' : '?…');
    let page: Page | undefined;
    try {
      page = response.frame().page();
    } catch {
      // A popup's first request: Playwright has no frame for it yet.
    }
    answers.push({
      page,
      description: `${request.method()} ${url.origin}${path} → ${response.status()}`,
      openerPolicy: response.headers()[OPENER_POLICY],
    });
  });
  return answers;
}

/** The popup's navigation responses whose opener policy breaks the tie to its opener. */
function openerCutters(answers: readonly NavigationAnswer[], popup: Page): string[] {
  return answers
    .filter((answer) => (answer.page === popup || answer.page === undefined) && answer.openerPolicy !== undefined && answer.openerPolicy !== 'unsafe-none')
    .map((answer) => `${answer.description} with Cross-Origin-Opener-Policy: ${answer.openerPolicy}`);
}

/** Fails because the popup lost its opener, naming the responses that cut it off. */
function failOpenerCut(navigations: readonly NavigationAnswer[], popup: Page, where: string): never {
  const cutters = openerCutters(navigations, popup);
  assert.fail(`the popup lost its opener ${where}: ${cutters.join('; ') || 'no response named a Cross-Origin-Opener-Policy'}`);
}

/** Clicks "Transfer 5,000" and returns the popup it opens. */
async function transferOpeningPopup(page: Page): Promise<Page> {
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Transfer 5,000' }).click()]);
  return popup;
}

/** The popup-mode scenario: a popup closed half way, then one that completes. */
async function popupScenario(world: DemoWorld, browser: Browser): Promise<void> {
  const context = await browser.newContext();
  const navigations = watchNavigations(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const transfers = watchTransfers(page, world.bankUrl);
  const problems = watchPageProblems(page);
  const balance = page.locator('#balance');
  const flash = page.locator('#flash');
  const payee = page.getByLabel('Payee');
  const authenticator: Authenticator = {};

  await signIn(page, world);
  await assertText(balance, '€12,500.00');
  assert.ok(await page.getByLabel('in this page').isChecked(), 'redirect is the default');
  await page.getByLabel('in a popup window').check();
  await page.reload();
  assert.ok(await page.getByLabel('in a popup window').isChecked(), 'the choice is remembered');
  assert.equal(await page.evaluate(() => localStorage.getItem('stepwise-bank:confirm-mode')), 'popup');
  await assertText(balance, '€12,500.00');

  // From here on the bank's page must never navigate.
  const accountUrl = page.url();
  assert.equal(accountUrl, `${world.bankUrl}/account`);
  const pageNavigations: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) pageNavigations.push(frame.url());
  });
  await payee.fill('Half-typed payee');

  // 1. The user closes the popup without confirming.
  const abandoned = await transferOpeningPopup(page);
  await awaitTotpPage(abandoned, world);
  if (!(await abandoned.evaluate(() => window.opener !== null))) {
    failOpenerCut(navigations, abandoned, 'on the way to Stepwise’s sign-in page');
  }
  await abandoned.close();
  await assertText(flash, 'The Stepwise window was closed before you confirmed, so nothing was sent or changed.');
  assert.equal(await flash.getAttribute('role'), 'alert');
  assert.ok(await page.getByRole('button', { name: 'Transfer 5,000' }).isEnabled(), 'the page is usable again');
  assert.equal(await payee.inputValue(), 'Half-typed payee', 'the form is as the user left it');
  await assertText(balance, '€12,500.00');
  assert.deepEqual(transfers.map((answer) => answer.status), [401], 'the refused transfer was not sent again');

  // 2. The user confirms in the popup, which then closes by itself.
  const popup = await transferOpeningPopup(page);
  const popupProblems = watchPageProblems(popup);
  // Settle, never reject: whichever comes first tells how the popup ended. (The
  // click replaced the earlier error banner with "Sending …", so an error now is new.)
  const popupClosed = popup.waitForEvent('close').then(() => 'closed by itself', () => 'still open');
  const pageGaveUp = flash.and(page.locator('.error')).waitFor().then(() => 'given up by the page', () => 'still waiting');
  assert.equal(await awaitTotpPage(popup, world), 'enroll', 'Stepwise has the user add a first authenticator app');
  await popup.screenshot({ path: outputPath('bank-popup-step-up.png'), fullPage: true });
  await answerTotp(popup, world, authenticator);
  const ending = await Promise.race([popupClosed, pageGaveUp]);
  if (ending !== 'closed by itself') {
    const where = `on the way back to the bank (${ending}, the popup at ${popup.url()}, the page saying "${await flash.textContent()}")`;
    failOpenerCut(navigations, popup, where);
  }

  await assertText(flash, 'Transfer of €5,000.00 to Jamie Rivera completed.');
  await assertText(balance, '€7,500.00');
  assert.equal(page.url(), accountUrl);
  assert.deepEqual(pageNavigations, [], 'the bank’s page never navigated');
  assert.equal(await payee.inputValue(), 'Half-typed payee', 'what the user typed is still there');
  assert.deepEqual(transfers.map((answer) => answer.status), [401, 401, 201], 'each attempt was refused once; the confirmed one was sent again once');
  assert.match(transfers[1]!.challenge ?? '', STEP_UP_CHALLENGE);
  const explained = await page.locator('#explain').textContent();
  assert.ok(explained?.includes(transfers[1]!.challenge!), 'the panel shows the challenge the API sent');
  assert.match(explained ?? '', /popup window/);
  assert.match(explained ?? '', /201 Created · aal2 · .*otp/);
  assert.match((await page.locator('#assurance').textContent()) ?? '', /^aal2/);
  assert.deepEqual(problems, [], 'no script errors or CSP refusals on the bank’s page');
  assert.deepEqual(popupProblems, [], 'no script errors or CSP refusals in the popup');
}

test('Stepwise Bank in Chromium, popup mode: the step-up runs in a popup and the page never leaves', { timeout: 20_000 }, () =>
  withBankInChromium((world, browser) => popupScenario(world, browser)),
);

test('Stepwise Bank in Chromium, popup mode: a blocked popup falls back to this page, and says so', { timeout: 20_000 }, () =>
  withBankInChromium(async (world, browser) => {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10_000);
    const transfers = watchTransfers(page, world.bankUrl);
    const problems = watchPageProblems(page);

    await signIn(page, world);
    await page.getByLabel('in a popup window').check();
    // What a popup blocker does to the page: window.open returns null.
    await page.evaluate(() => {
      window.open = () => null;
    });
    await page.getByRole('button', { name: 'Transfer 5,000' }).click();
    assert.equal(await answerTotp(page, world, {}), 'enroll', 'Stepwise opened in the bank’s own page');
    await page.waitForURL(`${world.bankUrl}/account`);
    await assertText(page.locator('#flash'), 'Transfer of €5,000.00 to Jamie Rivera completed.');
    await assertText(page.locator('#balance'), '€7,500.00');
    await assertText(page.locator('#explain'), 'Your browser blocked the popup window, so the Stepwise SDK saved the request and sent you to Stepwise in this page instead');
    assert.ok(await page.getByLabel('in a popup window').isChecked(), 'the setting is kept for next time');
    assert.deepEqual(transfers.map((answer) => answer.status), [401, 401, 201], 'refused in popup mode, refused again by redirect mode, sent again once');
    assert.deepEqual(problems, [], 'no script errors or CSP refusals');
  }),
);
