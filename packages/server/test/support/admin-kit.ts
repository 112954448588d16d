// Steps the admin console tests share: make an admin, bring a browser to
// the console's level (password + authenticator app), read the audit log.
import type { AuditRecord } from '@stepwise/core';
import { epochSeconds } from '../../src/index.js';
import { grantAdmin } from '../../src/storage/admins.js';
import { listAuditEvents } from '../../src/storage/audit-events.js';
import type { Browser, Page } from './browser.js';
import type { TestServer } from './harness.js';
import { addUser, enrollTotp, signIn, stepWithMargin, type Credentials } from './threat-kit.js';
import { totpForStep } from './totp-reference.js';

/** An admin account the console tests create. */
export const ADMIN: Credentials = { username: 'root-admin', password: 'correct horse admin staple' };

/** Creates a user with a password and grants it the admin role; returns its id. */
export async function addAdmin(server: TestServer, credentials: Credentials = ADMIN): Promise<string> {
  const userId = await addUser(server, credentials);
  await grantAdmin(server.server.database.db, { userId, grantedBy: 'test', now: epochSeconds() });
  return userId;
}

/** A browser at the console's level, and what it took to get there. */
export interface AdminBrowser {
  readonly browser: Browser;
  /** A CSRF token valid for the browser's CSRF cookie. */
  readonly csrf: string;
  /** The authenticator app's base32 secret. */
  readonly secret: string;
  /** The time step the enrollment code was for (the next step-up must use a later one). */
  readonly step: number;
}

/**
 * Signs an admin in with the password and enrolls an authenticator app, so
 * the session holds a fresh second factor (aal2). The enrollment uses the
 * previous time step, leaving the current one for a later step-up.
 */
export async function adminAtAal2(server: TestServer, credentials: Credentials = ADMIN): Promise<AdminBrowser> {
  const { browser, csrf } = await signIn(server, credentials);
  const step = (await stepWithMargin()) - 1;
  const { secret } = await enrollTotp(browser, server.issuer, step);
  return { browser, csrf, secret, step };
}

/** Answers the account step-up page with the code of `step`. */
export async function answerStepUp(browser: Browser, page: Page, secret: string, step: number): Promise<Page> {
  return browser.submit(page, { code: totpForStep(secret, step) }, '/step-up/totp');
}

/** The `admin_action` events in the log, newest first. */
export async function adminActions(server: TestServer): Promise<AuditRecord[]> {
  await server.server.services.audit.flush();
  return listAuditEvents(server.server.database.db, { types: ['admin_action'] });
}
