import type { MethodId } from './methods.js';

/** One method used at one time. A session keeps every event. */
export interface AuthenticationEvent {
  /** The method used. */
  readonly method: MethodId;
  /** When, in seconds since the epoch. */
  readonly at: number;
  /** Which authenticator (factor id, credential id) produced it. */
  readonly authenticatorId?: string;
  /** WebAuthn: the authenticator verified the user. */
  readonly userVerified?: boolean;
  /** WebAuthn: the credential is backed up (synced passkey). */
  readonly backedUp?: boolean;
}
