import type { AuthenticationEvent } from './events.js';

/** NIST SP 800-63B factor categories. */
export type FactorCategory = 'knowledge' | 'possession' | 'inherence';

/** Ways to prove identity that Stepwise knows. */
export const METHOD_IDS = ['password', 'totp', 'webauthn', 'email_otp', 'sms_otp', 'recovery_code'] as const;

/** One of {@link METHOD_IDS}. */
export type MethodId = (typeof METHOD_IDS)[number];

/** What one use of a method proves. Some traits depend on the event (WebAuthn). */
export interface MethodTraits {
  /** Factor categories this use demonstrates. */
  readonly categories: readonly FactorCategory[];
  /** RFC 8176 `amr` values. */
  readonly amr: readonly string[];
  /** Resists phishing (origin-bound): WebAuthn only. */
  readonly phishingResistant: boolean;
  /** The secret cannot leave the device (a non-backed-up WebAuthn credential). */
  readonly hardwareBound: boolean;
  /** The authenticator verified the user (PIN or biometric). */
  readonly userVerifying: boolean;
}

/** A method, its label and how to read the traits of one use of it. */
export interface MethodDefinition {
  readonly id: MethodId;
  readonly label: string;
  readonly description: string;
  /** Traits of one authentication event with this method. */
  traitsOf(event: AuthenticationEvent): MethodTraits;
}

function fixed(traits: MethodTraits): (event: AuthenticationEvent) => MethodTraits {
  return () => traits;
}

const ONE_TIME_CODE = { phishingResistant: false, hardwareBound: false, userVerifying: false } as const;

/**
 * The method registry. A user-verifying WebAuthn credential proves possession
 * and, through its PIN or biometric, a second category, which is why it alone
 * can reach aal2; a synced (backed-up) credential is not hardware-bound.
 */
export const METHODS: Readonly<Record<MethodId, MethodDefinition>> = {
  password: {
    id: 'password',
    label: 'Password',
    description: 'Something the user knows',
    traitsOf: fixed({ categories: ['knowledge'], amr: ['pwd'], ...ONE_TIME_CODE }),
  },
  totp: {
    id: 'totp',
    label: 'Authenticator app',
    description: 'A time-based one-time code (RFC 6238) from an app the user holds',
    traitsOf: fixed({ categories: ['possession'], amr: ['otp'], ...ONE_TIME_CODE }),
  },
  email_otp: {
    id: 'email_otp',
    label: 'Email code',
    description: 'A one-time code sent to the user’s email address',
    traitsOf: fixed({ categories: ['possession'], amr: ['otp'], ...ONE_TIME_CODE }),
  },
  sms_otp: {
    id: 'sms_otp',
    label: 'Text message code',
    description: 'A one-time code sent by SMS',
    traitsOf: fixed({ categories: ['possession'], amr: ['sms', 'otp'], ...ONE_TIME_CODE }),
  },
  recovery_code: {
    id: 'recovery_code',
    label: 'Recovery code',
    description: 'A single-use look-up secret the user printed or saved',
    traitsOf: fixed({ categories: ['possession'], amr: ['otp'], ...ONE_TIME_CODE }),
  },
  webauthn: {
    id: 'webauthn',
    label: 'Passkey or security key',
    description: 'A WebAuthn credential bound to this site',
    traitsOf(event) {
      const userVerified = event.userVerified === true;
      const backedUp = event.backedUp !== false;
      return {
        categories: userVerified ? ['possession', 'inherence'] : ['possession'],
        amr: [backedUp ? 'swk' : 'hwk', ...(userVerified ? ['user'] : [])],
        phishingResistant: true,
        hardwareBound: !backedUp,
        userVerifying: userVerified,
      };
    },
  },
};

/**
 * Whether a string names a known method.
 *
 * @param value - candidate method id
 * @example
 * ```ts
 * isMethodId('totp') // true
 * ```
 */
export function isMethodId(value: string): value is MethodId {
  return (METHOD_IDS as readonly string[]).includes(value);
}

/**
 * Traits of one authentication event.
 *
 * @param event - the event
 * @example
 * ```ts
 * traitsOf({ method: 'password', at: 0 }).amr // ['pwd']
 * ```
 */
export function traitsOf(event: AuthenticationEvent): MethodTraits {
  return METHODS[event.method].traitsOf(event);
}

/**
 * A knowledge-only event (a password) keeps counting for its level's whole
 * lifetime, even under a requirement's `max_age`.
 *
 * @param event - the event
 * @example
 * ```ts
 * isKnowledgeOnly({ method: 'password', at: 0 }) // true
 * ```
 */
export function isKnowledgeOnly(event: AuthenticationEvent): boolean {
  return traitsOf(event).categories.every((category) => category === 'knowledge');
}
