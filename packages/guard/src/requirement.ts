import { ConfigError } from '@stepwise/core';
import type { InsufficientUserAuthenticationError } from './errors.js';
import type { TransactionRequirement } from './transaction-requirement.js';

/**
 * What a route needs of the user's authentication.
 *
 * @example
 * ```ts
 * const transfer: RouteRequirement = { acr: 'aal2', maxAge: 300 };
 * const admin: RouteRequirement = { acr: 'aal2', methods: ['phishing_resistant'] };
 * const payment: RouteRequirement = { acr: 'aal2', transaction: { details: [{ type: 'payment_initiation', ...payment }] } };
 * ```
 */
export interface RouteRequirement {
  /** Least assurance level (`acr`), compared by the ranks the issuer publishes. */
  readonly acr?: string | undefined;
  /** Seconds since the last active authentication (`auth_time`), as OpenID Connect `max_age`. */
  readonly maxAge?: number | undefined;
  /**
   * RFC 8176 `amr` values of which the token must show at least one, e.g.
   * `['hwk']`; `phishing_resistant` stands for a WebAuthn credential
   * (`hwk` or `swk`).
   */
  readonly methods?: readonly string[] | undefined;
  /**
   * The transaction this request performs: the token must be bound to
   * exactly these details, approved recently, and is then accepted once.
   * Usually built per request with {@link requireTransaction}.
   */
  readonly transaction?: TransactionRequirement | undefined;
}

/** A requirement per route, fixed or computed from the request (an amount in the body). */
export type RequirementFor<Req> = RouteRequirement | ((request: Req) => RouteRequirement | undefined);

/** `methods` aliases and the `amr` values they stand for. */
export const METHOD_ALIASES: Readonly<Record<string, readonly string[]>> = {
  phishing_resistant: ['hwk', 'swk'],
};

// RFC 8176 section 2, the values Stepwise issues and their siblings.
const KNOWN_AMR = new Set(['face', 'fpt', 'geo', 'hwk', 'iris', 'kba', 'mca', 'mfa', 'otp', 'pin', 'pop', 'pwd', 'rba', 'retina', 'sc', 'sms', 'swk', 'tel', 'user', 'vbm', 'wia']);

/** A checked requirement with `methods` expanded to `amr` values. */
export interface NormalizedRequirement {
  readonly acr: string | undefined;
  readonly maxAge: number | undefined;
  /** Allowed `amr` values, or `undefined` for any. */
  readonly amr: ReadonlySet<string> | undefined;
  /** `methods` as written, for answers. */
  readonly methods: readonly string[] | undefined;
  /**
   * Refusals already built for this requirement, by description: a fixed
   * route's 401 is the same every time, so it is built once.
   */
  readonly refusals: Map<string, InsufficientUserAuthenticationError>;
}

const cache = new WeakMap<RouteRequirement, NormalizedRequirement>();

// Per-request requirements made by withTransaction, to the route's fixed one
// they extend: both normalise to the same memoised result.
const baseOf = new WeakMap<RouteRequirement, RouteRequirement>();
const NO_REQUIREMENT: RouteRequirement = Object.freeze({});

/**
 * A route's fixed requirement plus one request's transaction, frozen. Its
 * level, freshness and methods share the fixed requirement's memoised
 * normalisation; only the transaction is new per request.
 *
 * @param base - the route's fixed requirement, if any
 * @param transaction - this request's transaction, already checked
 * @example
 * ```ts
 * const requirement = withTransaction({ acr: 'aal2' }, { details });
 * ```
 */
export function withTransaction(base: RouteRequirement | undefined, transaction: TransactionRequirement): RouteRequirement {
  const fixed = base ?? NO_REQUIREMENT;
  const requirement = Object.freeze({ ...fixed, transaction });
  baseOf.set(requirement, fixed);
  return requirement;
}

/**
 * Checks a requirement once and expands its method aliases. Results are
 * memoised per object, so fixed route requirements cost nothing per request.
 * The `transaction` is not part of the result: see `normalizeTransaction`.
 *
 * @param requirement - as the route declared it
 * @throws {@link ConfigError} for a negative `maxAge`, an empty `acr` or an unknown method
 * @example
 * ```ts
 * normalizeRequirement({ acr: 'aal2', methods: ['phishing_resistant'] }).amr; // Set { 'hwk', 'swk' }
 * ```
 */
export function normalizeRequirement(requirement: RouteRequirement): NormalizedRequirement {
  const key = baseOf.get(requirement) ?? requirement;
  const known = cache.get(key);
  if (known) return known;
  const { acr, maxAge, methods } = requirement;
  if (acr !== undefined && (typeof acr !== 'string' || !/^\S+$/.test(acr))) {
    throw new ConfigError('guard requirement acr', `must be one level name without spaces, got ${JSON.stringify(acr)}`);
  }
  if (maxAge !== undefined && !(Number.isSafeInteger(maxAge) && maxAge >= 0)) {
    throw new ConfigError('guard requirement maxAge', `must be a whole number of seconds, 0 or more, got ${String(maxAge)}`);
  }
  let amr: Set<string> | undefined;
  if (methods !== undefined) {
    if (!Array.isArray(methods) || methods.length === 0) throw new ConfigError('guard requirement methods', 'must be a non-empty list');
    amr = new Set();
    for (const method of methods) {
      const values = METHOD_ALIASES[method] ?? (KNOWN_AMR.has(method) ? [method] : undefined);
      if (!values) {
        throw new ConfigError('guard requirement methods', `unknown method "${method}"; use RFC 8176 amr values or ${Object.keys(METHOD_ALIASES).join(', ')}`);
      }
      for (const value of values) amr.add(value);
    }
  }
  const normalized = { acr, maxAge, amr, methods: methods && [...methods], refusals: new Map() };
  cache.set(key, normalized);
  return normalized;
}
