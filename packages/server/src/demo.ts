import { hashPassword } from './crypto/passwords.js';
import type { Services } from './services.js';
import { grantAdmin } from './storage/admins.js';
import { upsertClient } from './storage/clients.js';
import { createUser, findUserByUsername } from './storage/users.js';

/** The demo account the quick start prints. */
export const DEMO_USER = { username: 'demo', password: 'stepwise-demo', displayName: 'Dana Demo', email: 'demo@example.com' } as const;

/** The demo admin account: a Stepwise user granted the admin role; the console also asks it for a second factor. */
export const DEMO_ADMIN = { username: 'admin', password: 'stepwise-admin', displayName: 'Ada Admin' } as const;

/** The demo application's client id. */
export const DEMO_CLIENT_ID = 'demo-app';

/** The transactions the demo bank binds step-ups to: payments. */
export const DEMO_DETAIL_TYPES = ['payment_initiation'] as const;

/**
 * Seeds the demo user and the demo admin (granted by `demo`) once, and the public demo client (PKCE, refresh
 * tokens) at every start, so that its redirect URIs follow the configured
 * demo bank. With rich authorization requests on, the client may bind
 * tokens to payments only (of the configured types, so the registration
 * stays valid whatever the configuration names).
 *
 * @param services - shared services (`config.demoBankUrl` is the bank)
 */
export async function seedDemo(services: Services): Promise<void> {
  const bankUrl = services.config.demoBankUrl;
  const configuredTypes = Object.keys(services.config.authorizationDetails.types);
  if (!(await findUserByUsername(services.db, DEMO_USER.username))) {
    await createUser(services.db, {
      username: DEMO_USER.username,
      passwordHash: await hashPassword(DEMO_USER.password),
      displayName: DEMO_USER.displayName,
      email: DEMO_USER.email,
    });
  }
  if (!(await findUserByUsername(services.db, DEMO_ADMIN.username))) {
    const admin = await createUser(services.db, {
      username: DEMO_ADMIN.username,
      passwordHash: await hashPassword(DEMO_ADMIN.password),
      displayName: DEMO_ADMIN.displayName,
    });
    await grantAdmin(services.db, { userId: admin.id, grantedBy: 'demo', now: services.now() });
  }
  await upsertClient(services.db, {
    client_id: DEMO_CLIENT_ID,
    client_name: 'Stepwise Bank (demo)',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [`${bankUrl}/callback`],
    post_logout_redirect_uris: [new URL('/', bankUrl).href],
    ...(configuredTypes.length > 0
      ? { authorization_details_types: DEMO_DETAIL_TYPES.filter((type) => configuredTypes.includes(type)) }
      : {}),
  }, services.now());
}
