import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { InvalidCredentialsError, SimpleError, type AuthenticationEvent } from '@stepwise/core';
import type { Services } from '../services.js';
import { consumeCeremony, createCeremony, type CeremonyPurpose } from '../storage/ceremonies.js';
import { touchFactor } from '../storage/factors.js';
import { findUserById, type User } from '../storage/users.js';
import { advanceSignatureCounter, findWebauthnCredential, type WebauthnCredential } from '../storage/webauthn-credentials.js';
import { CEREMONY_TIMEOUT_MS, CEREMONY_TTL_SECONDS, parseCredentialJson, relyingParty } from '../webauthn/relying-party.js';
import { userHandleOf } from './webauthn-registration.js';

/** The options a page hands to `startAuthentication`, and the ceremony they belong to. */
export interface AuthenticationStart {
  readonly ceremonyId: string;
  readonly options: PublicKeyCredentialRequestOptionsJSON;
}

/** A verified assertion: whose it is and the event it adds to the session. */
export interface WebauthnAssertion {
  readonly user: User;
  readonly credential: WebauthnCredential;
  readonly event: AuthenticationEvent;
}

/**
 * Starts a WebAuthn authentication. For a step-up, the signed-in user's
 * usable credentials are listed; for passkey sign-in (no user yet) none
 * are, so the browser offers any passkey it holds for this site,
 * including through autofill (conditional UI).
 *
 * @param services - shared services
 * @param input - `user` and `credentials` for a step-up; neither for sign-in
 * @example
 * ```ts
 * const start = await startWebauthnAuthentication(services, { user, credentials });
 * ```
 */
export async function startWebauthnAuthentication(
  services: Services,
  input: { user?: User; credentials?: readonly WebauthnCredential[] } = {},
): Promise<AuthenticationStart> {
  const rp = relyingParty(services);
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    timeout: CEREMONY_TIMEOUT_MS,
    // Preferred: a security key without a PIN still counts (as hwk); the
    // event records whether verification happened and levels judge it.
    userVerification: input.user ? 'preferred' : 'required',
    allowCredentials: (input.credentials ?? []).map((credential) => ({ id: credential.credentialId, transports: [...credential.transports] })),
  });
  const ceremonyId = await createCeremony(services.db, {
    userId: input.user?.id ?? null,
    purpose: input.user ? 'step-up' : 'sign-in',
    challenge: options.challenge,
    expiresAt: services.now() + CEREMONY_TTL_SECONDS,
  });
  return { ceremonyId, options };
}

async function ownerOf(services: Services, credential: WebauthnCredential, expected: User | undefined, response: AuthenticationResponseJSON): Promise<User> {
  if (expected) {
    if (credential.userId !== expected.id) throw new SimpleError('ERR_CREDENTIAL_UNKNOWN');
    return expected;
  }
  // Passkey sign-in: the authenticator names the account in userHandle.
  const handle = response.response.userHandle;
  if (handle !== undefined && handle !== Buffer.from(userHandleOf(credential.userId)).toString('base64url')) {
    throw new SimpleError('ERR_CREDENTIAL_UNKNOWN');
  }
  const user = await findUserById(services.db, credential.userId);
  if (!user || user.disabled) throw new InvalidCredentialsError();
  return user;
}

/**
 * Verifies an assertion: the ceremony is used once, the credential belongs
 * to the user (or, for sign-in, names its account), the signature, origin
 * and RP ID check out, and the signature counter moved forward. A counter
 * that did not is refused and logged as a possible clone.
 *
 * @param services - shared services
 * @param input - the ceremony id and posted JSON; `user` for a step-up, none for sign-in
 * @returns the user, the credential and the event: `hwk` or `swk` by backup
 *   state, `user` when the authenticator verified the user
 * @throws `ERR_CEREMONY_EXPIRED`, `ERR_CREDENTIAL_UNKNOWN`, `ERR_WEBAUTHN_FAILED`, `ERR_AUTHENTICATOR_CLONED`
 */
export async function finishWebauthnAuthentication(
  services: Services,
  input: { ceremonyId: string; response: string; user?: User | undefined },
): Promise<WebauthnAssertion> {
  const rp = relyingParty(services);
  const response = parseCredentialJson<AuthenticationResponseJSON>(input.response);
  const purpose: CeremonyPurpose = input.user ? 'step-up' : 'sign-in';
  const ceremony = await consumeCeremony(services.db, { id: input.ceremonyId, purpose, now: services.now() });
  if (!ceremony || ceremony.userId !== (input.user?.id ?? null)) throw new SimpleError('ERR_CEREMONY_EXPIRED');

  const credential = await findWebauthnCredential(services.db, response.id);
  if (!credential) throw new SimpleError('ERR_CREDENTIAL_UNKNOWN');
  const user = await ownerOf(services, credential, input.user, response);

  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      // The counter is judged below, atomically, with a typed error.
      credential: { id: credential.credentialId, publicKey: new Uint8Array(Buffer.from(credential.publicKey, 'base64url')), counter: 0 },
      requireUserVerification: purpose === 'sign-in',
    });
  } catch (error) {
    services.logger.info({ err: error, userId: user.id, factorId: credential.factorId }, 'a WebAuthn assertion did not verify');
    throw new SimpleError('ERR_WEBAUTHN_FAILED');
  }
  if (!verified.verified) throw new SimpleError('ERR_WEBAUTHN_FAILED');
  const info = verified.authenticationInfo;

  if (!(await advanceSignatureCounter(services.db, { factorId: credential.factorId, counter: info.newCounter, backedUp: info.credentialBackedUp }))) {
    services.logger.warn(
      { userId: user.id, factorId: credential.factorId, storedCounter: credential.counter, presentedCounter: info.newCounter },
      'possible cloned authenticator: the signature counter did not move forward',
    );
    throw new SimpleError('ERR_AUTHENTICATOR_CLONED', undefined, { factor_id: credential.factorId });
  }
  const now = services.now();
  await touchFactor(services.db, credential.factorId, now);
  return {
    user,
    credential,
    event: { method: 'webauthn', at: now, authenticatorId: credential.factorId, userVerified: info.userVerified, backedUp: info.credentialBackedUp },
  };
}
