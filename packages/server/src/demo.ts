import { hashPassword } from './crypto/passwords.js';
import type { Services } from './services.js';
import { upsertClient } from './storage/clients.js';
import { createUser, findUserByUsername } from './storage/users.js';

/** The demo account the quick start prints. */
export const DEMO_USER = { username: 'demo', password: 'stepwise-demo', displayName: 'Dana Demo', email: 'demo@example.com' } as const;

/** The demo application's client id. */
export const DEMO_CLIENT_ID = 'demo-app';

/**
 * Seeds the demo user once, and the public demo client (PKCE, refresh
 * tokens) at every start, so that its redirect URIs follow the configured
 * demo bank.
 *
 * @param services - shared services
 * @param redirectUris - where the demo client may be sent back to
 */
export async function seedDemo(services: Services, redirectUris: readonly string[]): Promise<void> {
  if (!(await findUserByUsername(services.db, DEMO_USER.username))) {
    await createUser(services.db, {
      username: DEMO_USER.username,
      passwordHash: await hashPassword(DEMO_USER.password),
      displayName: DEMO_USER.displayName,
      email: DEMO_USER.email,
    });
  }
  await upsertClient(services.db, {
    client_id: DEMO_CLIENT_ID,
    client_name: 'Stepwise Bank (demo)',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [...new Set(redirectUris)],
    post_logout_redirect_uris: [...new Set(redirectUris.map((uri) => new URL('/', uri).href))],
  }, services.now());
}
