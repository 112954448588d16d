// The whole demo in a real headless Chromium: sign in to Stepwise Bank
// through Stepwise, send a small transfer with no prompt, then a large one:
// the API's RFC 9470 challenge sends the browser to Stepwise (which enrolls
// the demo user's first authenticator app), and back at the bank the client
// SDK replays the transfer once, without the form being filled in again.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO_USER, totpCodeAt } from '@stepwise/server';
import { startDemoWorld, type DemoWorld } from './support/demo-world.js';

const OUTPUT_DIR = fileURLToPath(new URL('../../../../test-output/', import.meta.url));
const STEP_UP_CHALLENGE =
  /^Bearer error="insufficient_user_authentication", error_description="[^"]+", acr_values="aal2", max_age=300$/;

/** Every answer to `POST /api/transfers`, with the challenge when there was one. */
interface TransferAnswer {
  readonly status: number;
  readonly challenge: string | null;
}

function watchTransfers(page: Page, bankUrl: string): TransferAnswer[] {
  const answers: TransferAnswer[] = [];
  page.on('response', async (response) => {
    if (response.request().method() !== 'POST' || response.url() !== `${bankUrl}/api/transfers`) return;
    answers.push({ status: response.status(), challenge: await response.headerValue('www-authenticate') });
  });
  return answers;
}

/** Problems the page reports itself: script errors and Content Security Policy refusals. */
function watchPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every 4xx fetch ("Failed to load resource"); the 401 challenge is expected.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
  });
  return problems;
}

async function signIn(page: Page, world: DemoWorld): Promise<void> {
  await page.goto(`${world.bankUrl}/`);
  await page.getByRole('button', { name: 'Sign in with Stepwise' }).click();
  await page.waitForURL(`${world.issuer}/interaction/**`);
  await page.getByLabel('Username').fill(DEMO_USER.username);
  await page.getByLabel('Password').fill(DEMO_USER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${world.bankUrl}/account`);
}

/** Answers Stepwise's step-up: a first authenticator app for the demo user, confirmed with its current code. */
async function enrollAuthenticator(page: Page, world: DemoWorld): Promise<void> {
  await page.waitForURL(`${world.issuer}/interaction/**`);
  await page.getByRole('heading', { name: 'Add an authenticator app' }).waitFor();
  const secret = (await page.locator('code.secret').textContent())?.replace(/\s+/g, '');
  assert.ok(secret, 'the enrollment page shows the key to type by hand');
  await page.getByLabel('Code from the app').fill(totpCodeAt(secret, Date.now()));
  await page.getByRole('button', { name: 'Confirm and continue' }).click();
}

test('Stepwise Bank in Chromium: sign in, a small transfer, then a large one through a TOTP step-up', { timeout: 60_000 }, async () => {
  let world: DemoWorld | undefined;
  let browser: Browser | undefined;
  try {
    world = await startDemoWorld('localhost');
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(15_000);
    const transfers = watchTransfers(page, world.bankUrl);
    const problems = watchPageProblems(page);
    const balance = page.locator('#balance');
    const flash = page.locator('#flash');

    await signIn(page, world);
    await assertText(balance, '€12,500.00');
    assert.ok((await page.locator('#transactions li').count()) >= 3, 'recent activity is listed');

    const visited: string[] = [];
    page.on('framenavigated', (frame) => visited.push(frame.url()));
    await page.getByRole('button', { name: 'Transfer 50', exact: true }).click();
    await assertText(flash, 'Transfer of €50.00 to Jamie Rivera completed.');
    await assertText(balance, '€12,450.00');
    assert.deepEqual(visited, [], 'a small transfer needs no trip to Stepwise');

    await page.getByRole('button', { name: 'Transfer 5,000' }).click();
    await enrollAuthenticator(page, world);
    await page.waitForURL(`${world.bankUrl}/account`);
    await assertText(flash, 'Transfer of €5,000.00 to Jamie Rivera completed.');
    await assertText(balance, '€7,450.00');
    assert.equal(await page.getByLabel('Amount (EUR)').inputValue(), '', 'the form was never filled in');

    assert.deepEqual(transfers.map((answer) => answer.status), [201, 401, 201], 'the refused transfer was replayed exactly once');
    assert.match(transfers[1]!.challenge ?? '', STEP_UP_CHALLENGE);
    const explained = await page.locator('#explain').textContent();
    assert.ok(explained?.includes(transfers[1]!.challenge!), 'the panel shows the challenge the API sent');
    assert.match(explained ?? '', /201 Created · aal2 · .*otp/);
    assert.deepEqual(problems, [], 'no script errors or CSP refusals');

    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: `${OUTPUT_DIR}bank-account-after-step-up.png`, fullPage: true });
  } finally {
    await browser?.close();
    await world?.close();
  }
});

/** Waits for an element's text, then fails with what it showed instead. */
async function assertText(locator: ReturnType<Page['locator']>, expected: string): Promise<void> {
  try {
    await locator.filter({ hasText: expected }).waitFor();
  } catch {
    assert.fail(`expected "${expected}", the page shows "${(await locator.textContent())?.trim()}"`);
  }
}
