// Threat: an attacker copied a credential's private key to a second
// authenticator (a cloned security key, an exported passkey). The clone's
// signature counter lags behind the original's, which the server has seen
// move further. The assertion is refused with ERR_AUTHENTICATOR_CLONED, the
// step-up does not complete, and the stored counter is not rewound.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { listWebauthnCredentials } from '../src/storage/webauthn-credentials.js';
import { PLATFORM_PASSKEY, registerOnAccountPage, shownErrorCode, signInWithPassword, withChromium } from './support/chromium.js';
import { DEMO, userIdOf } from './support/threat-kit.js';

describe('a cloned authenticator (signature counter going back)', () => {
  test('is refused at a step-up, and the counter the server knows stays where it was', async () => {
    await withChromium(async (kit) => {
      await kit.addAuthenticator(PLATFORM_PASSKEY);
      await signInWithPassword(kit, DEMO);
      await registerOnAccountPage(kit, 'passkey');
      const db = kit.server.server.database.db;
      const userId = await userIdOf(kit.server, DEMO.username);
      const [credential] = await listWebauthnCredentials(db, userId);
      // The original authenticator has been used many times since: the server saw counter 1000.
      await db.updateTable('webauthn_credentials').set({ counter: 1000 }).where('factor_id', '=', credential!.factorId).execute();

      const rp = await kit.relyingParty();
      const request = await rp.authorize({ acr_values: 'aal3' });
      await kit.page.goto(request.url);
      await kit.page.waitForSelector('html[data-webauthn-ready]');
      await Promise.all([
        kit.page.waitForURL(/\/interaction\/[^/]+\/webauthn/),
        kit.page.getByRole('button', { name: 'Use passkey or security key' }).click(),
      ]);
      assert.equal(await shownErrorCode(kit.page), 'ERR_AUTHENTICATOR_CLONED');
      assert.equal(kit.callbacks.length, 0, 'the application got no code');

      const [after] = await listWebauthnCredentials(db, userId);
      assert.equal(after?.counter, 1000);
      const events = await db.selectFrom('auth_events').select('method').where('user_id', '=', userId).execute();
      assert.ok(!events.some((event) => event.method === 'webauthn'), 'no WebAuthn event was recorded');
    });
  });
});
