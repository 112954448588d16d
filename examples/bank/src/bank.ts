import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccountBook } from './accounts.js';
import { createBankApp } from './app.js';

/** The demo client Stepwise seeds: public, PKCE, no secret. */
export const DEFAULT_CLIENT_ID = 'demo-app';

/** Where and how {@link startBank} runs the bank. */
export interface StartBankOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Interface to listen on; default `localhost`. */
  readonly host?: string;
  /** The Stepwise issuer URL. */
  readonly issuer: string;
  /** The origin browsers use, when it differs from `http://<host>:<port>` (a proxy, or `localhost` over 127.0.0.1). */
  readonly publicUrl?: string;
  /** The OpenID Connect client; default {@link DEFAULT_CLIENT_ID}. */
  readonly clientId?: string;
}

/** A running bank. */
export interface RunningBank {
  /** The bank's origin, e.g. `http://localhost:3001`. */
  readonly url: string;
  /** Stops listening, ends idle connections, and resolves once all are closed. Calling it again returns the same promise. */
  close(): Promise<void>;
}

/** After this long, connections still open at close are cut. */
const CLOSE_GRACE_MS = 3_000;

/**
 * Starts Stepwise Bank. Stepwise must allow the client `<url>/callback` as
 * a redirect URI and `<url>/api` as a resource (see `bankEndpoints`).
 *
 * @param options - port, host, issuer, public URL, client id
 * @returns the bank's origin and a way to stop it
 * @example
 * ```ts
 * const bank = await startBank({ port: 3001, issuer: 'http://localhost:3000' });
 * console.log(`Stepwise Bank at ${bank.url}`);
 * await bank.close();
 * ```
 */
export async function startBank(options: StartBankOptions): Promise<RunningBank> {
  const host = options.host ?? 'localhost';
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = new URL(options.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).origin;
  // Attached once the port, and so the origin, is known; no request can arrive before this tick ends.
  server.on('request', createBankApp({
    origin: url,
    issuer: options.issuer.replace(/\/+$/, ''),
    clientId: options.clientId ?? DEFAULT_CLIENT_ID,
    book: new AccountBook(),
  }));
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
        server.close((error) => {
          clearTimeout(cut);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
