import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { randomUUID } from 'node:crypto';
import { SimpleError } from '@stepwise/core';
import type { Services } from '../services.js';
import { consumeCeremony, createCeremony } from '../storage/ceremonies.js';
import { createFactor, type Factor } from '../storage/factors.js';
import type { User } from '../storage/users.js';
import { findWebauthnCredential, insertWebauthnCredential, type WebauthnCredential } from '../storage/webauthn-credentials.js';
import { CEREMONY_TIMEOUT_MS, CEREMONY_TTL_SECONDS, parseCredentialJson, relyingParty } from '../webauthn/relying-party.js';
import { recordFactorChange } from '../audit/events.js';

/**
 * What the user is adding: a passkey (discoverable, usually on the device
 * or synced) or a security key (roaming hardware, usable as second factor).
 */
export type AuthenticatorKind = 'passkey' | 'security-key';

/** The options a page hands to `startRegistration`, and the ceremony they belong to. */
export interface RegistrationStart {
  readonly ceremonyId: string;
  readonly options: PublicKeyCredentialCreationOptionsJSON;
}

/**
 * The WebAuthn user handle: the account id's bytes. It holds no personal
 * data (a random UUID) and lets passkey sign-in find the account.
 *
 * @param userId - the account id
 */
export function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(userId, 'utf8'));
}

/**
 * Starts adding a passkey or security key: options for the browser, with
 * the user's existing credentials excluded so one authenticator is not
 * registered twice. Security keys are asked for a non-discoverable
 * credential, which keys without a PIN can create.
 *
 * @param services - shared services
 * @param input - the user, what they are adding, and their current credentials
 * @example
 * ```ts
 * const { ceremonyId, options } = await startWebauthnRegistration(services, { user, kind: 'passkey', existing });
 * ```
 */
export async function startWebauthnRegistration(
  services: Services,
  input: { user: User; kind: AuthenticatorKind; existing: readonly WebauthnCredential[] },
): Promise<RegistrationStart> {
  const rp = relyingParty(services);
  const passkey = input.kind === 'passkey';
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: input.user.username,
    userDisplayName: input.user.displayName ?? input.user.username,
    userID: userHandleOf(input.user.id),
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: input.existing.map((credential) => ({ id: credential.credentialId, transports: [...credential.transports] })),
    authenticatorSelection: passkey
      ? { residentKey: 'required', userVerification: 'preferred' }
      : { authenticatorAttachment: 'cross-platform', residentKey: 'discouraged', userVerification: 'preferred' },
    extensions: { credProps: true },
    ...(passkey ? {} : { preferredAuthenticatorType: 'securityKey' as const }),
  });
  const ceremonyId = await createCeremony(services.db, {
    userId: input.user.id,
    purpose: 'register',
    challenge: options.challenge,
    expiresAt: services.now() + CEREMONY_TTL_SECONDS,
  });
  return { ceremonyId, options };
}

function defaultName(kind: AuthenticatorKind, backedUp: boolean): string {
  if (kind === 'security-key') return 'Security key';
  return backedUp ? 'Synced passkey' : 'Passkey on this device';
}

/**
 * Verifies the browser's registration and stores the credential as a
 * confirmed factor, with what later judgements need: AAGUID, transports,
 * backup eligibility and state, user verification, the signature counter.
 * Registration alone is not an authentication event: with `none`
 * attestation nothing in it is signed by the new key.
 *
 * @param services - shared services
 * @param input - the user, the ceremony id from the page, the posted JSON, the kind, an optional name
 * @returns the new factor and its credential
 * @throws `ERR_CEREMONY_EXPIRED`, `ERR_WEBAUTHN_FAILED` or `ERR_CREDENTIAL_EXISTS`
 */
export async function finishWebauthnRegistration(
  services: Services,
  input: { user: User; ceremonyId: string; response: string; kind: AuthenticatorKind; name?: string | undefined },
): Promise<{ factor: Factor; credential: WebauthnCredential }> {
  const rp = relyingParty(services);
  const response = parseCredentialJson<RegistrationResponseJSON>(input.response);
  const ceremony = await consumeCeremony(services.db, { id: input.ceremonyId, purpose: 'register', now: services.now() });
  if (!ceremony || ceremony.userId !== input.user.id) throw new SimpleError('ERR_CEREMONY_EXPIRED');

  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
  } catch (error) {
    services.logger.info({ err: error, userId: input.user.id }, 'a WebAuthn registration did not verify');
    throw new SimpleError('ERR_WEBAUTHN_FAILED');
  }
  if (!verified.verified) throw new SimpleError('ERR_WEBAUTHN_FAILED');
  const info = verified.registrationInfo;
  if (await findWebauthnCredential(services.db, info.credential.id)) throw new SimpleError('ERR_CREDENTIAL_EXISTS');

  const now = services.now();
  const factorId = randomUUID();
  const discoverable = response.clientExtensionResults?.credProps?.rk ?? input.kind === 'passkey';
  const credential: WebauthnCredential = {
    factorId,
    userId: input.user.id,
    credentialId: info.credential.id,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: info.credential.transports ?? response.response.transports ?? [],
    aaguid: info.aaguid,
    deviceType: info.credentialDeviceType,
    backupEligible: info.credentialDeviceType === 'multiDevice',
    backedUp: info.credentialBackedUp,
    userVerified: info.userVerified,
    discoverable,
  };
  const name = input.name?.trim().slice(0, 64) || defaultName(input.kind, info.credentialBackedUp);
  const factor = await services.db.transaction().execute(async (trx) => {
    const created = await createFactor(trx, {
      id: factorId, userId: input.user.id, method: 'webauthn', name, secret: null, createdAt: now, confirmedAt: now,
    });
    await insertWebauthnCredential(trx, credential);
    return created;
  });
  services.logger.info({ userId: input.user.id, factorId, aaguid: info.aaguid, backedUp: info.credentialBackedUp }, 'WebAuthn credential registered');
  await recordFactorChange(services, { change: 'enrolled', subject: input.user.id, factorId, method: 'webauthn' });
  return { factor, credential };
}
