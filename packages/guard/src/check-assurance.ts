import { ConfigError } from '@stepwise/core';
import type { AccessTokenClaims } from './claims.js';
import { InsufficientUserAuthenticationError } from './errors.js';
import type { IssuerMetadata } from './issuer-directory.js';
import type { NormalizedRequirement } from './requirement.js';

// RFC 9470 section 3's wording, so that clients and logs read the same text.
const LEVEL_TOO_LOW = 'A different authentication level is required';
const TOO_OLD = 'More recent authentication is required';

/**
 * Judges a verified token's authentication against a route's requirement:
 * its level's rank at least the required one, `auth_time` within `maxAge`
 * and within the required level's lifetime (a token refreshed long after the
 * sign-in keeps its old `acr`), and an allowed method among its `amr`.
 *
 * @param claims - verified claims
 * @param requirement - the route's requirement
 * @param metadata - ranks and lifetimes the issuer publishes
 * @param nowSeconds - the current time
 * @param toleranceSeconds - clock skew allowed between issuer and API
 * @returns the RFC 9470 refusal, or `undefined` when the token suffices
 * @throws {@link ConfigError} when the route names a level the issuer does not define
 * @example
 * ```ts
 * checkAssurance(claims, normalizeRequirement({ acr: 'aal2', maxAge: 300 }), metadata, now, 5);
 * ```
 */
export function checkAssurance(
  claims: AccessTokenClaims,
  requirement: NormalizedRequirement,
  metadata: IssuerMetadata,
  nowSeconds: number,
  toleranceSeconds: number,
): InsufficientUserAuthenticationError | undefined {
  const age = claims.auth_time === undefined ? undefined : nowSeconds - claims.auth_time;

  if (requirement.acr !== undefined) {
    if (!levelReached(claims.acr, requirement.acr, metadata.acrRanks)) {
      return refusal(requirement, LEVEL_TOO_LOW);
    }
    const lifetime = metadata.acrLifetimes[requirement.acr];
    if (lifetime !== undefined && age !== undefined && age > lifetime + toleranceSeconds) {
      return refusal(requirement, TOO_OLD);
    }
  }
  if (requirement.maxAge !== undefined && (age === undefined || age > requirement.maxAge + toleranceSeconds)) {
    return refusal(requirement, TOO_OLD);
  }
  if (requirement.amr !== undefined && !(claims.amr ?? []).some((value) => requirement.amr!.has(value))) {
    return refusal(requirement, `A different authentication method is required: one of ${requirement.methods!.join(', ')}`);
  }
  return undefined;
}

/**
 * The refusal for a requirement and reason, built once per requirement and
 * frozen, as it may answer many requests (its `stack` is the first one's).
 */
function refusal(requirement: NormalizedRequirement, description: string): InsufficientUserAuthenticationError {
  let error = requirement.refusals.get(description);
  if (!error) {
    const unmet = { acrValues: requirement.acr !== undefined ? [requirement.acr] : [], maxAge: requirement.maxAge, methods: requirement.methods };
    // Frozen: the same object answers many requests, so no handler may change it.
    requirement.refusals.set(description, (error = Object.freeze(new InsufficientUserAuthenticationError(unmet, description))));
  }
  return error;
}

/**
 * The rank of a level a route requires.
 *
 * @param acr - the required level
 * @param ranks - the issuer's ranks
 * @returns its rank, or `undefined` when the issuer publishes no ranks (levels then compare name for name)
 * @throws {@link ConfigError} when the issuer ranks levels but not this one
 */
export function requiredRank(acr: string, ranks: Readonly<Record<string, number>>): number | undefined {
  const rank = ranks[acr];
  if (rank === undefined && Object.keys(ranks).length > 0) {
    throw new ConfigError('guard requirement acr', `"${acr}" is not a level the issuer defines (${Object.keys(ranks).join(', ')})`);
  }
  return rank;
}

function levelReached(tokenAcr: string | undefined, requiredAcr: string, ranks: Readonly<Record<string, number>>): boolean {
  const required = requiredRank(requiredAcr, ranks);
  if (required === undefined) return tokenAcr === requiredAcr;
  const reached = tokenAcr === undefined ? undefined : ranks[tokenAcr];
  return reached !== undefined && reached >= required;
}
