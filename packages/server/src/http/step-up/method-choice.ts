import type { EnrolledAuthenticator, MethodId } from '@stepwise/core';

/**
 * Methods from the strongest to the weakest, as the step-up page lists
 * them: phishing-resistant WebAuthn first, then codes from something the
 * user holds, the password, and recovery codes, which are for a lost device.
 */
export const METHOD_STRENGTH: readonly MethodId[] = ['webauthn', 'totp', 'email_otp', 'sms_otp', 'password', 'recovery_code'];

/**
 * The methods a step-up page offers: those of the authenticators that can
 * help meet the requirement, strongest first, each once.
 *
 * @param authenticators - the usable authenticators (from `nextStep` / `resolveAssurance`)
 * @param exclude - methods this page cannot take (the account step-up has no password form)
 * @example
 * ```ts
 * offeredMethods([{ method: 'totp' }, { method: 'webauthn' }]) // ['webauthn', 'totp']
 * ```
 */
export function offeredMethods(authenticators: readonly EnrolledAuthenticator[], exclude: readonly MethodId[] = []): MethodId[] {
  const present = new Set(authenticators.map((authenticator) => authenticator.method));
  return METHOD_STRENGTH.filter((method) => present.has(method) && !exclude.includes(method));
}

/**
 * The method shown first: the user's explicit pick when it is offered, else
 * the one they used last time, else the strongest. A recovery code is never
 * the default while anything else is offered.
 *
 * @param offered - from {@link offeredMethods}
 * @param picked - the method in the request (`?method=`), if any
 * @param preferred - the user's last choice, if any
 */
export function chooseMethod(offered: readonly MethodId[], picked: string | undefined, preferred: MethodId | null): MethodId | undefined {
  const pickedMethod = offered.find((method) => method === picked);
  if (pickedMethod) return pickedMethod;
  if (preferred && preferred !== 'recovery_code' && offered.includes(preferred)) return preferred;
  return offered.find((method) => method !== 'recovery_code') ?? offered[0];
}

/** What each method is called on a "use another way" link. */
export const METHOD_CHOICE_LABELS: Readonly<Record<MethodId, string>> = {
  webauthn: 'Use a passkey or security key',
  totp: 'Use your authenticator app',
  email_otp: 'Get a code by email',
  sms_otp: 'Get a code by text message',
  password: 'Use your password',
  recovery_code: 'Use a recovery code',
};
