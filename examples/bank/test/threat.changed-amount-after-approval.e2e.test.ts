// What the attacker tries: the user approves "5,000.00 EUR to Jamie Rivera"
// at Stepwise, and script in the page (or a proxy) changes the transfer the
// SDK sends back with the approved token — another amount — or sends the
// approved transfer a second time. In a real Chromium through the demo
// bank, the bank's API must refuse both with a clear message and move no
// money beyond the one approved transfer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { answerTotp, assertText, outputPath, signIn, watchTransfers, withBankInChromium, type Authenticator } from './support/bank-browser.js';

/** Rewrites the body of the `nth` (1-based) POST /api/transfers the page sends; remembers what each one carried. */
async function tamperWith(page: Page, bankUrl: string, nth: number, change: (body: Record<string, unknown>) => Record<string, unknown>) {
  const sent: Array<{ authorization: string | undefined; body: string }> = [];
  await page.route(`${bankUrl}/api/transfers`, async (route) => {
    const request = route.request();
    if (request.method() !== 'POST') return route.continue();
    const body = request.postData() ?? '';
    sent.push({ authorization: await request.headerValue('authorization') ?? undefined, body });
    if (sent.length !== nth) return route.continue();
    return route.continue({ postData: JSON.stringify(change(JSON.parse(body) as Record<string, unknown>)) });
  });
  return sent;
}

test('an amount changed after the approval is refused with a clear message, and no money moves', { timeout: 60_000 }, () =>
  withBankInChromium(async (world, browser) => {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(15_000);
    await signIn(page, world);
    // The second send is the SDK's replay with the approved token: it now asks 6,000.
    await tamperWith(page, world.bankUrl, 2, (body) => ({ ...body, amount: 6000 }));
    const transfers = watchTransfers(page, world.bankUrl);

    await page.getByRole('button', { name: 'Transfer 5,000' }).click();
    await page.waitForURL(`${world.issuer}/interaction/**`);
    await assertText(page.locator('main'), 'Pay 5,000.00 EUR to Jamie Rivera');
    await answerTotp(page, world, {});
    await page.waitForURL(`${world.bankUrl}/account`);

    await assertText(page.locator('#flash'), 'The transfer was changed after you approved it');
    await assertText(page.locator('#balance'), '€12,500.00');
    assert.deepEqual(transfers.map((answer) => answer.status), [401, 401], 'the approved token was refused for the changed transfer');
    await page.screenshot({ path: outputPath('bank-changed-amount-refused.png'), fullPage: true });
  }),
);

test('the approved transfer sent a second time with the same token is refused', { timeout: 60_000 }, () =>
  withBankInChromium(async (world, browser) => {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(15_000);
    await signIn(page, world);
    const sent = await tamperWith(page, world.bankUrl, 0, (body) => body);
    const authenticator: Authenticator = {};

    await page.getByRole('button', { name: 'Transfer 5,000' }).click();
    await answerTotp(page, world, authenticator);
    await page.waitForURL(`${world.bankUrl}/account`);
    await assertText(page.locator('#flash'), 'Transfer of €5,000.00 to Jamie Rivera completed.');
    await assertText(page.locator('#balance'), '€7,500.00');

    const approved = sent[1]!;
    assert.ok(approved.authorization?.startsWith('Bearer '), 'the replay carried the approved token');
    const again = await page.request.post(`${world.bankUrl}/api/transfers`, {
      headers: { authorization: approved.authorization!, 'content-type': 'application/json' },
      data: approved.body,
    });
    assert.equal(again.status(), 401);
    const refusal = (await again.json()) as { error: string; message: string };
    assert.equal(refusal.error, 'ERR_TXN_REPLAYED');
    assert.match(refusal.message, /already used once/);
    await page.reload();
    await assertText(page.locator('#balance'), '€7,500.00');
  }),
);
