// The whole demo in a real headless Chromium: sign in to Stepwise Bank
// through Stepwise, send a small transfer with no prompt, then a large one:
// the API's RFC 9470 challenge carries the transfer (authorization_details),
// the SDK pushes it to Stepwise, which shows amount and payee while the user
// enrolls a first authenticator app, and back at the bank the SDK replays
// the transfer once with a token bound to it. A second large transfer asks
// for a fresh code on a page that shows that transfer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  answerTotp,
  assertText,
  outputPath,
  signIn,
  STEP_UP_CHALLENGE,
  watchPageProblems,
  watchTransfers,
  withBankInChromium,
  type Authenticator,
} from './support/bank-browser.js';

test('Stepwise Bank in Chromium: sign in, a small transfer, then a large one through a TOTP step-up', { timeout: 60_000 }, () =>
  withBankInChromium(async (world, browser) => {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(15_000);
    const transfers = watchTransfers(page, world.bankUrl);
    const problems = watchPageProblems(page);
    const balance = page.locator('#balance');
    const flash = page.locator('#flash');

    await signIn(page, world);
    await assertText(balance, '€12,500.00');
    assert.ok((await page.locator('#transactions li').count()) >= 3, 'recent activity is listed');
    assert.ok(await page.getByLabel('in this page').isChecked(), 'a step-up runs in this page unless the user chose otherwise');

    const visited: string[] = [];
    page.on('framenavigated', (frame) => visited.push(frame.url()));
    await page.getByRole('button', { name: 'Transfer 50', exact: true }).click();
    await assertText(flash, 'Transfer of €50.00 to Jamie Rivera completed.');
    await assertText(balance, '€12,450.00');
    assert.deepEqual(visited, [], 'a small transfer needs no trip to Stepwise');

    await page.getByRole('button', { name: 'Transfer 5,000' }).click();
    await page.waitForURL(`${world.issuer}/interaction/**`);
    assert.doesNotMatch(page.url(), /authorization_details|5000|Jamie/, 'the transfer reached Stepwise by a pushed request, not in the URL');
    await assertText(page.locator('main'), 'Pay 5,000.00 EUR to Jamie Rivera');
    const authenticator: Authenticator = {};
    assert.equal(await answerTotp(page, world, authenticator), 'enroll', 'Stepwise has the user add a first authenticator app');
    await page.waitForURL(`${world.bankUrl}/account`);
    await assertText(flash, 'Transfer of €5,000.00 to Jamie Rivera completed.');
    await assertText(balance, '€7,450.00');
    assert.equal(await page.getByLabel('Amount (EUR)').inputValue(), '', 'the form was never filled in');

    assert.deepEqual(transfers.map((answer) => answer.status), [201, 401, 201], 'the refused transfer was replayed exactly once');
    assert.match(transfers[1]!.challenge ?? '', STEP_UP_CHALLENGE);
    const explained = await page.locator('#explain').textContent();
    assert.ok(explained?.includes(transfers[1]!.challenge!), 'the panel shows the challenge the API sent');
    assert.match(explained ?? '', /201 Created · aal2 · .*otp/);
    assert.match(explained ?? '', /good for this one transfer, once/);
    await page.screenshot({ path: outputPath('bank-account-after-step-up.png'), fullPage: true });

    // A second large transfer: the first approval does not carry over; a fresh code approves this one.
    await page.getByLabel('Amount (EUR)').fill('1,500');
    await page.getByLabel('Payee').fill('ACME Ltd');
    await page.getByLabel('Reference').fill('Invoice 42');
    await page.getByRole('button', { name: 'Send transfer' }).click();
    await page.waitForURL(`${world.issuer}/interaction/**`);
    const approval = page.locator('[data-transaction]');
    await assertText(approval, 'Pay 1,500.00 EUR to ACME Ltd');
    await assertText(approval, 'Invoice 42');
    await page.screenshot({ path: outputPath('stepwise-approve-transfer.png'), fullPage: true });
    assert.equal(await answerTotp(page, world, authenticator), 'code');
    await page.waitForURL(`${world.bankUrl}/account`);
    await assertText(flash, 'Transfer of €1,500.00 to ACME Ltd completed.');
    await assertText(balance, '€5,950.00');
    assert.deepEqual(problems, [], 'no script errors or CSP refusals');
  }),
);
