// Starts a real Stepwise server on a free loopback port with its own data
// folder (and, when the run is on PostgreSQL, its own schema: see
// test-database.ts), and drives it with openid-client as a real relying party.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import { clients, createServer, epochSeconds, loadConfig, type StepwiseServer } from '../../src/index.js';
import type { StepwiseYaml } from '../../src/config/load.js';
import { Browser, type Page } from './browser.js';
import { freePort } from './free-port.js';
import { testDatabaseFor } from './test-database.js';

/** The test relying party's client id and redirect URI (another origin, so the browser stops there). */
export const RP_CLIENT_ID = 'test-rp';
export const RP_REDIRECT_URI = 'http://127.0.0.1:9/callback';

export { freePort };

/** A running test server. */
export interface TestServer {
  readonly issuer: string;
  readonly dataDir: string;
  readonly server: StepwiseServer;
  /** Stops it; the data folder is kept until {@link TestServer.destroy}. */
  close(): Promise<void>;
  /** Stops it and deletes its data folder (and its PostgreSQL schema). */
  destroy(): Promise<void>;
}

/**
 * Starts a server with the demo user, a test client and silent logs, on
 * SQLite or, under `STEPWISE_TEST_DATABASE=postgres`, on a fresh schema of
 * the PostgreSQL at `STEPWISE_TEST_POSTGRES_URL` (a `database_url` override wins).
 *
 * @param options - reuse a data folder and port (restart tests; the same
 *   folder finds the same database), override settings, or pass a logger to
 *   read what the server logs
 */
export async function startTestServer(
  options: { dataDir?: string; port?: number; overrides?: Partial<StepwiseYaml>; logger?: Logger } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'stepwise-test-'));
  const port = options.port ?? (await freePort());
  const issuer = options.overrides?.issuer ?? `http://127.0.0.1:${port}`;
  const database = options.overrides?.database_url === undefined ? await testDatabaseFor(dataDir) : { url: undefined, drop: async () => {} };
  const config = loadConfig({
    file: null,
    env: {},
    overrides: {
      issuer, host: '127.0.0.1', port, data_dir: dataDir, demo: true, log_level: 'silent',
      ...(database.url === undefined ? {} : { database_url: database.url }),
      ...options.overrides,
    },
  });
  let server: StepwiseServer;
  try {
    server = await createServer(config, options.logger ? { logger: options.logger } : {});
  } catch (error) {
    if (!options.dataDir) {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    throw error;
  }
  await clients.upsertClient(server.database.db, {
    client_id: RP_CLIENT_ID,
    client_name: 'Test RP',
    redirect_uris: [RP_REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  }, epochSeconds());
  await server.listen();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server.close();
  };
  return {
    issuer,
    dataDir,
    server,
    close,
    async destroy() {
      await close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A relying party bound to one test server. */
export class RelyingParty {
  private constructor(readonly config: oidc.Configuration, readonly redirectUri: string) {}

  /**
   * Discovers the server and registers nothing: the client exists already
   * (`client` names another registered one, such as a browser test's).
   */
  static async discover(issuer: string, client = { id: RP_CLIENT_ID, redirectUri: RP_REDIRECT_URI }): Promise<RelyingParty> {
    const config = await oidc.discovery(new URL(issuer), client.id, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    return new RelyingParty(config, client.redirectUri);
  }

  /** Starts an authorization request; returns its URL and what the callback needs. */
  async authorize(params: Record<string, string> = {}): Promise<{ url: string; verifier: string; state: string; maxAge?: number }> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(this.config, {
      redirect_uri: this.redirectUri,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...params,
    });
    return { url: url.href, verifier, state, ...(params.max_age !== undefined ? { maxAge: Number(params.max_age) } : {}) };
  }

  /** Exchanges the code the browser came back with. */
  async callback(
    landing: Page,
    request: { verifier: string; state: string; maxAge?: number },
  ): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
    if (!landing.url.startsWith(this.redirectUri)) {
      throw new Error(`expected a redirect to the client, got ${landing.status} ${landing.url}\n${landing.body.slice(0, 1500)}`);
    }
    return oidc.authorizationCodeGrant(this.config, new URL(landing.url), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      ...(request.maxAge !== undefined ? { maxAge: request.maxAge } : {}),
    });
  }

  /** Refreshes tokens. */
  async refresh(refreshToken: string): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
    return oidc.refreshTokenGrant(this.config, refreshToken);
  }
}

/** A browser for a test server. */
export function browserFor(server: TestServer): Browser {
  return new Browser(new URL(server.issuer).origin);
}

/** The base32 key the enrollment page shows for typing by hand. */
export function typedSecretOf(page: Page): string {
  const secret = /<code class="secret">([^<]+)<\/code>/.exec(page.body)?.[1];
  if (!secret) throw new Error(`no secret on ${page.url}:\n${page.body.slice(0, 1500)}`);
  return secret.replace(/\s+/g, '');
}
