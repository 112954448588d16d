import { evaluatePolicy, riskBindings, type LevelSet, type PolicyReason, type RiskAssessment } from '@stepwise/core';
import { policyContext } from '../policy/policy-context.js';
import type { Services } from '../services.js';
import type { RequestedAssurance } from './requested-assurance.js';

/** Who signs in, to which client, from where. */
export interface LoginFacts {
  readonly clientId: string;
  readonly user: { readonly id: string; readonly username: string };
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
  readonly deviceId?: string | undefined;
}

/** A sign-in request after the policy: what to ask, or a refusal. */
export interface LoginPolicyOutcome {
  /** The request raised to the policy's requirement where it asked for less. */
  readonly requested: RequestedAssurance;
  readonly deny: boolean;
  readonly reasons: readonly PolicyReason[];
  readonly risk: RiskAssessment;
}

/**
 * Raises a request to a requirement: acceptable levels below it are
 * dropped (the required one is asked for when none is left, or when the
 * request named none and the policy asks for more than the weakest level),
 * the smaller `max_age` wins, and the policy's methods apply.
 *
 * @param requested - what the client asked for
 * @param requirement - what the policy asks for
 * @param levels - the configured levels
 */
export function raiseRequest(requested: RequestedAssurance, requirement: { acr: string; maxAge?: number; methods?: RequestedAssurance['methods'] }, levels: LevelSet): RequestedAssurance {
  const floor = levels.get(requirement.acr).rank;
  const weakest = levels.strongestFirst[levels.strongestFirst.length - 1]!;
  const strongEnough = requested.acceptable.filter((name) => levels.has(name) && levels.get(name).rank >= floor);
  const acceptable = requested.acceptable.length === 0
    ? (floor > weakest.rank ? [requirement.acr] : [])
    : strongEnough.length > 0 ? strongEnough : [requirement.acr];
  const maxAge = requested.maxAge === undefined ? requirement.maxAge : requirement.maxAge === undefined ? requested.maxAge : Math.min(requested.maxAge, requirement.maxAge);
  const methods = requirement.methods ?? requested.methods;
  return {
    ...requested,
    acceptable,
    ...(maxAge === undefined ? {} : { maxAge }),
    ...(methods === undefined ? {} : { methods }),
  };
}

/**
 * The policy's word on an OpenID Connect sign-in: action `login`, the
 * client as `resource.client_id` (and its per-client default), the risk of
 * this sign-in. Clients may ask for more than the policy; never for less.
 *
 * @param services - shared services
 * @param requested - what the authorization request asks for
 * @param facts - client, user and context
 * @example
 * ```ts
 * const { requested: raised, deny } = await applyLoginPolicy(services, requestedAssurance(params), { clientId, user, ip });
 * ```
 */
export async function applyLoginPolicy(services: Services, requested: RequestedAssurance, facts: LoginFacts): Promise<LoginPolicyOutcome> {
  const riskFacts = { userId: facts.user.id, username: facts.user.username, ip: facts.ip, userAgent: facts.userAgent, deviceId: facts.deviceId, time: services.now() };
  const risk = await services.risk.assess(riskFacts);
  const outcome = evaluatePolicy(services.policies.current(), {
    action: 'login',
    resource: { client_id: facts.clientId },
    subject: { id: facts.user.id, username: facts.user.username },
    context: policyContext(riskFacts),
    risk: riskBindings(risk),
    session: {},
    client: facts.clientId,
  });
  return { requested: raiseRequest(requested, outcome.requirement, services.levels), deny: outcome.deny, reasons: outcome.reasons, risk };
}

/**
 * The rules behind a refused sign-in, for the `error_description`.
 *
 * @param reasons - the policy's reasons
 */
export function deniedBy(reasons: readonly PolicyReason[]): string {
  const rules = reasons.filter((reason) => 'effect' in reason && reason.effect === 'deny').map((reason) => ('rule' in reason ? reason.rule : reason.kind));
  return `the sign-in policy refuses this sign-in (${rules.join(', ') || 'deny'})`;
}
