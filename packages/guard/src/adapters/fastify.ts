import type { VerifiedAuth } from '../claims.js';
import { GuardError } from '../errors.js';
import type { StepwiseGuard } from '../guard.js';
import { normalizeRequirement, type RequirementFor } from '../requirement.js';
import { requirementOf } from './express.js';

/** The part of a Fastify request the guard reads and writes. */
export interface FastifyLikeRequest {
  readonly headers: { readonly authorization?: string | undefined };
  auth?: VerifiedAuth;
}

/** The part of a Fastify reply the guard writes. */
export interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  headers(values: Record<string, string>): FastifyLikeReply;
  send(body: string): FastifyLikeReply;
}

/** A Fastify `preHandler` hook. */
export type FastifyPreHandler<Req> = (request: Req, reply: FastifyLikeReply) => Promise<FastifyLikeReply | undefined>;

/**
 * Builds the hook behind {@link StepwiseGuard.fastify}. Errors that are not
 * refusals are thrown to Fastify's error handler.
 *
 * @param guard - the guard
 * @param requirement - fixed, or computed from the request
 */
export function fastifyPreHandler<Req extends FastifyLikeRequest>(guard: StepwiseGuard, requirement?: RequirementFor<Req>): FastifyPreHandler<Req> {
  // A fixed requirement is checked now, when the route is declared, not at its first request.
  if (requirement !== undefined && typeof requirement !== 'function') normalizeRequirement(requirement);
  return async (request, reply) => {
    const outcome = await guard.verifyOrRefuse(request.headers.authorization, requirementOf(requirement, request));
    if (!(outcome instanceof GuardError)) {
      request.auth = outcome;
      return undefined;
    }
    const answer = guard.answer(outcome)!;
    // Returning the reply tells Fastify the hook has answered.
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  };
}
