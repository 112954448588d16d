// What the bank's Chromium tests share: a browser with Stepwise and the bank
// running (both closed in `finally`), the user's side of Stepwise's pages
// (password, a first authenticator app, a code from it), and watchers for
// the API's answers and for problems the pages report.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { DEMO_USER, totpCodeAt } from '@stepwise/server';
import { startDemoWorld, type DemoWorld } from './demo-world.js';

/** `test-output/` at the repository root, created on first use. */
export function outputPath(file: string): string {
  const dir = fileURLToPath(new URL('../../../../../test-output/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return `${dir}${file}`;
}

/** The challenge the bank's API sends for a transfer above €1,000: the transfer to approve rides along. */
export const STEP_UP_CHALLENGE =
  /^Bearer error="insufficient_user_authentication", error_description="[^"]+", acr_values="aal2", max_age=300, authorization_details="[A-Za-z0-9_-]+"$/;

/**
 * Runs `body` with Stepwise, the bank and a headless Chromium
 * (`CHROMIUM_PATH`, default `/usr/bin/chromium`), and closes all three
 * afterwards, also when starting one of them fails.
 *
 * @param body - the test, given the running servers and the browser
 */
export async function withBankInChromium(body: (world: DemoWorld, browser: Browser) => Promise<void>): Promise<void> {
  let world: DemoWorld | undefined;
  let browser: Browser | undefined;
  try {
    world = await startDemoWorld('localhost');
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
    await body(world, browser);
  } finally {
    await browser?.close();
    await world?.close();
  }
}

/** Every answer to `POST /api/transfers`, with the challenge when there was one. */
export interface TransferAnswer {
  readonly status: number;
  readonly challenge: string | null;
}

/**
 * Records the answers to `POST /api/transfers` that `page` receives.
 *
 * @param page - the bank's page
 * @param bankUrl - the bank's origin
 */
export function watchTransfers(page: Page, bankUrl: string): TransferAnswer[] {
  const answers: TransferAnswer[] = [];
  page.on('response', async (response) => {
    if (response.request().method() !== 'POST' || response.url() !== `${bankUrl}/api/transfers`) return;
    answers.push({ status: response.status(), challenge: await response.headerValue('www-authenticate') });
  });
  return answers;
}

/**
 * Problems a page reports itself: script errors and Content Security
 * Policy refusals.
 *
 * @param page - any page, a popup too
 */
export function watchPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every 4xx fetch ("Failed to load resource"); the 401 challenge is expected.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
  });
  return problems;
}

/**
 * Signs the demo user in from the bank's landing page, through Stepwise's
 * password page, and waits for the account page.
 */
export async function signIn(page: Page, world: DemoWorld): Promise<void> {
  await page.goto(`${world.bankUrl}/`);
  await page.getByRole('button', { name: 'Sign in with Stepwise' }).click();
  await page.waitForURL(`${world.issuer}/interaction/**`);
  await page.getByLabel('Username').fill(DEMO_USER.username);
  await page.getByLabel('Password').fill(DEMO_USER.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${world.bankUrl}/account`);
}

/** The demo user's authenticator app: its key, once Stepwise has shown it for enrollment. */
export interface Authenticator {
  secret?: string;
  /** The 30-second TOTP step of the last code given: Stepwise takes each step once. */
  lastStep?: number;
}

const TOTP_STEP_MS = 30_000;

/** The current code, after waiting for the next time step when this one was used already. */
async function freshCode(authenticator: Authenticator, secret: string): Promise<string> {
  let now = Date.now();
  if (authenticator.lastStep !== undefined && Math.floor(now / TOTP_STEP_MS) <= authenticator.lastStep) {
    await new Promise((resolve) => setTimeout(resolve, (authenticator.lastStep! + 1) * TOTP_STEP_MS - now + 50));
    now = Date.now();
  }
  authenticator.lastStep = Math.floor(now / TOTP_STEP_MS);
  return totpCodeAt(secret, now);
}

/**
 * Waits on `page` for Stepwise's second-factor page: enrollment of a first
 * authenticator app (whose key is kept in `authenticator`) or the code of
 * the enrolled one.
 *
 * @returns the page's heading, for the caller's screenshots and checks
 */
export async function awaitTotpPage(page: Page, world: DemoWorld): Promise<'enroll' | 'code'> {
  await page.waitForURL(`${world.issuer}/interaction/**`);
  const enroll = page.getByRole('heading', { name: 'Add an authenticator app' });
  const code = page.getByRole('heading', { name: 'Enter your verification code' });
  await enroll.or(code).waitFor();
  return (await enroll.isVisible()) ? 'enroll' : 'code';
}

/**
 * Answers Stepwise's second-factor page with the current code: enrolls the
 * authenticator app first if Stepwise asks to.
 *
 * @returns which page Stepwise showed
 */
export async function answerTotp(page: Page, world: DemoWorld, authenticator: Authenticator): Promise<'enroll' | 'code'> {
  const shown = await awaitTotpPage(page, world);
  if (shown === 'enroll') {
    const secret = (await page.locator('code.secret').textContent())?.replace(/\s+/g, '');
    assert.ok(secret, 'the enrollment page shows the key to type by hand');
    authenticator.secret = secret;
    await page.getByLabel('Code from the app').fill(await freshCode(authenticator, secret));
    await page.getByRole('button', { name: 'Confirm and continue' }).click();
    return shown;
  }
  assert.ok(authenticator.secret, 'Stepwise asks for a code before an app was enrolled');
  await page.getByLabel('6-digit code from your authenticator app').fill(await freshCode(authenticator, authenticator.secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  return shown;
}

/** Waits for an element's text, then fails with what it showed instead. */
export async function assertText(locator: Locator, expected: string): Promise<void> {
  try {
    await locator.filter({ hasText: expected }).waitFor();
  } catch {
    assert.fail(`expected "${expected}", the page shows "${(await locator.textContent())?.trim()}"`);
  }
}
