// A real headless Chromium for WebAuthn tests: a page on a Stepwise test
// server whose issuer is `localhost` (browsers refuse WebAuthn on an IP
// address), CDP virtual authenticators standing in for a platform passkey or
// a USB security key, and the relying party's redirect answered in the
// browser so a test can pick the authorization code up.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser as Chromium, type CDPSession, type Page } from 'playwright-core';
import type { StepwiseYaml } from '../../src/config/load.js';
import { clients, epochSeconds } from '../../src/index.js';
import { freePort, RelyingParty, startTestServer, type TestServer } from './harness.js';

/** The browser tests' client: its redirect URI is answered inside Chromium (nothing listens there). */
const BROWSER_RP_ID = 'browser-rp';

/** What a virtual authenticator is: a platform passkey, a synced one, or a security key. */
export interface VirtualAuthenticator {
  readonly transport: 'internal' | 'usb';
  readonly hasResidentKey: boolean;
  readonly hasUserVerification: boolean;
  /** A synced passkey (backup eligible and backed up). */
  readonly synced?: boolean;
}

/** A platform authenticator with a fingerprint reader: a device-bound passkey. */
export const PLATFORM_PASSKEY: VirtualAuthenticator = { transport: 'internal', hasResidentKey: true, hasUserVerification: true };
/** A passkey synced by a password manager or the platform's cloud. */
export const SYNCED_PASSKEY: VirtualAuthenticator = { ...PLATFORM_PASSKEY, synced: true };
/** A USB security key without a PIN: presence only. */
export const SECURITY_KEY: VirtualAuthenticator = { transport: 'usb', hasResidentKey: false, hasUserVerification: false };

/** A Chromium page on a Stepwise server. */
export interface ChromiumKit {
  readonly server: TestServer;
  readonly page: Page;
  readonly cdp: CDPSession;
  /** Attaches a virtual authenticator; returns its CDP id. */
  addAuthenticator(authenticator: VirtualAuthenticator): Promise<string>;
  /** Every URL the browser was sent to at the relying party's redirect URI, in order. */
  readonly callbacks: string[];
  /** The relying party whose redirects land in {@link ChromiumKit.callbacks}. */
  relyingParty(): Promise<RelyingParty>;
}

/**
 * Runs `body` with a Stepwise server on `http://localhost:<port>` and a
 * headless Chromium (`CHROMIUM_PATH`, default `/usr/bin/chromium`); both
 * are closed afterwards, also when starting one of them fails.
 *
 * @param body - the test
 * @param overrides - extra configuration
 */
export async function withChromium(body: (kit: ChromiumKit) => Promise<void>, overrides: Partial<StepwiseYaml> = {}): Promise<void> {
  let server: TestServer | undefined;
  let browser: Chromium | undefined;
  let callbackServer: Server | undefined;
  const callbacks: string[] = [];
  try {
    const port = await freePort();
    server = await startTestServer({ port, overrides: { issuer: `http://localhost:${port}`, ...overrides } });
    // Chromium refuses navigation to port 9 (the harness's usual redirect
    // URI), and routes do not see redirects, so a real listener answers.
    callbackServer = createServer((request, response) => {
      // Chromium also asks this origin for /favicon.ico; only redirects count.
      const url = new URL(request.url ?? '/', redirectUri);
      if (url.pathname === '/callback') callbacks.push(url.href);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('back at the relying party');
    });
    await new Promise<void>((resolve) => callbackServer!.listen(0, '127.0.0.1', resolve));
    const redirectUri = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/callback`;
    await clients.upsertClient(server.server.database.db, {
      client_id: BROWSER_RP_ID, client_name: 'Browser RP', redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none',
    }, epochSeconds());
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    await body({
      server,
      page,
      cdp,
      callbacks,
      relyingParty: () => RelyingParty.discover(server!.issuer, { id: BROWSER_RP_ID, redirectUri }),
      async addAuthenticator(authenticator) {
        const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
          options: {
            protocol: 'ctap2',
            transport: authenticator.transport,
            hasResidentKey: authenticator.hasResidentKey,
            hasUserVerification: authenticator.hasUserVerification,
            isUserVerified: authenticator.hasUserVerification,
            automaticPresenceSimulation: true,
            ...(authenticator.synced ? { defaultBackupEligibility: true, defaultBackupState: true } : {}),
          },
        });
        return authenticatorId;
      },
    });
  } finally {
    callbackServer?.closeAllConnections();
    await new Promise((resolve) => (callbackServer ? callbackServer.close(resolve) : resolve(undefined)));
    await browser?.close();
    await server?.destroy();
  }
}

/**
 * Signs in with the password on `/login`, landing on the account page.
 *
 * @param kit - the browser
 * @param credentials - username and password
 */
export async function signInWithPassword(kit: ChromiumKit, credentials: { username: string; password: string }): Promise<void> {
  await kit.page.goto(`${kit.server.issuer}/login?return_to=/account`);
  await kit.page.fill('#username', credentials.username);
  await kit.page.fill('#password', credentials.password);
  await Promise.all([kit.page.waitForURL(/\/account/), kit.page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
}

/**
 * Adds a passkey or security key from the account page (the session must
 * hold a fresh step-up) and waits for the account page's confirmation.
 *
 * @param kit - the browser, with a virtual authenticator attached
 * @param kind - what to add
 */
export async function registerOnAccountPage(kit: ChromiumKit, kind: 'passkey' | 'security-key'): Promise<void> {
  await kit.page.goto(`${kit.server.issuer}/account/webauthn?kind=${kind}`);
  await kit.page.waitForSelector('html[data-webauthn-ready]');
  await Promise.all([
    kit.page.waitForURL(/\/account\?done=/),
    kit.page.getByRole('button', { name: kind === 'passkey' ? 'Create a passkey' : 'Register the security key' }).click(),
  ]);
}

/** The error code a page shows, if any. */
export async function shownErrorCode(page: Page): Promise<string | null> {
  const element = await page.$('[data-error-code]');
  return element ? element.getAttribute('data-error-code') : null;
}
