import { randomBytes } from 'node:crypto';
import { hash, hashSync, parseOptions, verify, verifySync } from '@node-rs/argon2';
import type { Algorithm, Options } from '@node-rs/argon2';
import { ValidationError } from '@stepwise/core';
import { HashScheduler } from './hash-scheduler.js';
import type { HashPlacement } from './hash-scheduler.js';

/**
 * argon2id cost, the first OWASP Password Storage option: 19 MiB, 2 passes,
 * 1 lane. Hashes made with anything else are upgraded at the next sign-in
 * (see {@link needsRehash}).
 */
export const PASSWORD_HASH_PARAMS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * Longest password accepted, in UTF-16 code units. Callers refuse longer
 * input before hashing so that huge bodies cannot tie up the hash pool.
 */
export const MAX_PASSWORD_LENGTH = 1024;

// The package declares its enums as ambient `const enum`s, which
// verbatimModuleSyntax cannot inline, and its runtime object is empty.
const ARGON2ID = 2 as Algorithm.Argon2id;
const ARGON2_VERSION_0x13 = 1;

const HASH_OPTIONS: Options = { algorithm: ARGON2ID, ...PASSWORD_HASH_PARAMS };

/** One per process: the cores it may use are counted once, at start. */
const hashScheduler = new HashScheduler();

/**
 * Where this process runs its password hashes: `event-loop` when it may use
 * one core, `pool` otherwise (see {@link HashScheduler}).
 */
export const PASSWORD_HASH_PLACEMENT: HashPlacement = hashScheduler.placement;

function hashWithSalt(password: string): Promise<string> {
  return hashScheduler.run(() => hash(password, HASH_OPTIONS), () => hashSync(password, HASH_OPTIONS));
}

// NIST SP 800-63B asks for Unicode normalisation so that the same password
// typed on another keyboard or OS (composed vs decomposed accents) matches.
function normalise(password: string): string {
  return password.normalize('NFKC');
}

/**
 * Hashes a password with argon2id and a random salt.
 *
 * @param password - the plain password, at most {@link MAX_PASSWORD_LENGTH} long
 * @returns a PHC string, `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`
 * @throws {@link ValidationError} (`password`) when the password is too long
 * @example
 * ```ts
 * const passwordHash = await hashPassword('correct horse battery staple');
 * ```
 */
export async function hashPassword(password: string): Promise<string> {
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError('password', `must be at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  const normalised = normalise(password);
  return hashWithSalt(normalised);
}

/**
 * Checks a password against a stored hash, with the parameters written in
 * that hash (so old hashes keep working after a change of policy).
 *
 * @param hash - the stored PHC string
 * @param password - what the user typed
 * @returns `true` on a match; `false` on a mismatch, a malformed hash or an over-long password (never throws)
 * @example
 * ```ts
 * if (await verifyPassword(user.passwordHash, input)) {
 *   if (needsRehash(user.passwordHash)) await users.setPasswordHash(user.id, await hashPassword(input));
 * }
 * ```
 */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  try {
    const normalised = normalise(password);
    return await hashScheduler.run(() => verify(hash, normalised), () => verifySync(hash, normalised));
  } catch {
    return false;
  }
}

/**
 * Whether a stored hash was made with another algorithm, version or cost
 * than {@link PASSWORD_HASH_PARAMS} and should be replaced after the next
 * successful sign-in.
 *
 * @param hash - the stored PHC string
 * @returns `true` also for a hash that cannot be read
 */
export function needsRehash(hash: string): boolean {
  try {
    const options = parseOptions(hash);
    return (
      options.algorithm !== ARGON2ID ||
      options.version !== ARGON2_VERSION_0x13 ||
      options.memoryCost !== PASSWORD_HASH_PARAMS.memoryCost ||
      options.timeCost !== PASSWORD_HASH_PARAMS.timeCost ||
      options.parallelism !== PASSWORD_HASH_PARAMS.parallelism
    );
  } catch {
    return true;
  }
}

let dummyHash: Promise<string> | undefined;

// Made from the live parameters rather than pasted in, so it can never cost
// less than a real hash after the policy changes. The first caller pays one
// extra hash; that single sample tells an attacker nothing.
function getDummyHash(): Promise<string> {
  dummyHash ??= hashWithSalt(randomBytes(32).toString('base64url'));
  return dummyHash;
}

/**
 * Runs a verification against a fixed dummy hash so that an unknown username
 * costs the same time as a wrong password (no user enumeration by timing).
 * Always resolves `false`.
 *
 * @param password - what was typed, verified for its cost only
 * @example
 * ```ts
 * const user = await users.findByUsername(username);
 * const ok = user ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDummy(password);
 * ```
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  try {
    await verifyPassword(await getDummyHash(), password);
  } catch {
    // The time is what matters here, not the outcome.
  }
  return false;
}
