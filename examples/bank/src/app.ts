import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { createGuard, type StepwiseGuard } from '@stepwise/guard';
import { AccountBook } from './accounts.js';
import { createApiRouter } from './api.js';
import { createPagesRouter } from './pages.js';
import { securityHeaders } from './security-headers.js';

/** The bank's name, on every page. */
export const BANK_NAME = 'Stepwise Bank';

/** What {@link createBankApp} needs. */
export interface BankAppOptions {
  /** The bank's public origin, e.g. `http://localhost:3001`. */
  readonly origin: string;
  /** The Stepwise issuer URL. */
  readonly issuer: string;
  /** The OpenID Connect client the pages sign in as (public, PKCE). */
  readonly clientId: string;
  /** The ledger; a new empty one by default. */
  readonly book?: AccountBook;
  /** A guard to use instead of one for `<origin>/api`. */
  readonly guard?: StepwiseGuard;
}

/**
 * The URLs Stepwise must know for a bank at `origin`: the redirect URI of
 * the pages and the resource indicator (audience) of the API.
 *
 * @param origin - the bank's public origin
 * @example
 * ```ts
 * bankEndpoints('http://localhost:3001');
 * // { redirectUri: 'http://localhost:3001/callback', resource: 'http://localhost:3001/api' }
 * ```
 */
export function bankEndpoints(origin: string): { redirectUri: string; resource: string } {
  const base = new URL(origin).origin;
  return { redirectUri: `${base}/callback`, resource: `${base}/api` };
}

/**
 * The bank as an Express application: pages, SDK, and the guarded API.
 *
 * @param options - origin, issuer and client
 * @example
 * ```ts
 * createBankApp({ origin: 'http://localhost:3001', issuer: 'http://localhost:3000', clientId: 'demo-app' }).listen(3001);
 * ```
 */
export function createBankApp(options: BankAppOptions): Express {
  const { redirectUri, resource } = bankEndpoints(options.origin);
  const guard = options.guard ?? createGuard({ issuer: options.issuer, audience: resource });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(securityHeaders(options.issuer));
  app.use('/api', createApiRouter({ guard, book: options.book ?? new AccountBook() }));
  app.use(createPagesRouter({
    bankName: BANK_NAME,
    issuer: options.issuer,
    clientId: options.clientId,
    origin: new URL(redirectUri).origin,
    resource,
  }));
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found');
  });
  app.use(pageErrors);
  return app;
}

/** Static-file and other page errors, without Express's stack-trace page. */
function pageErrors(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const status = Number((error as { status?: unknown } | null)?.status);
  if (status >= 400 && status < 500) {
    res.status(status).type('text/plain').send(status === 404 ? 'Not found' : status === 403 ? 'Forbidden' : 'Bad request');
    return;
  }
  console.error('bank page error', error);
  res.status(500).type('text/plain').send('Something went wrong on our side.');
}
