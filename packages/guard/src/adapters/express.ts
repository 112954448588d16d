import type { VerifiedAuth } from '../claims.js';
import { GuardError } from '../errors.js';
import type { StepwiseGuard } from '../guard.js';
import { normalizeRequirement, type RequirementFor } from '../requirement.js';

/** The part of an Express request the guard reads and writes. */
export interface ExpressLikeRequest {
  readonly headers: { readonly authorization?: string | undefined };
  auth?: VerifiedAuth;
}

/** The part of an Express response the guard writes. */
export interface ExpressLikeResponse {
  status(code: number): ExpressLikeResponse;
  set(headers: Record<string, string>): ExpressLikeResponse;
  send(body: string): unknown;
}

/**
 * An Express middleware. The response is typed loosely on purpose: Express
 * infers a route's response body type from its first handler, and a precise
 * type here would narrow the app's own handlers.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ExpressMiddleware<Req> = (req: Req, res: any, next: (error?: unknown) => void) => void;

/**
 * Resolves the requirement of one request.
 *
 * @param requirement - fixed, or computed from the request
 * @param request - the request
 */
export function requirementOf<Req>(requirement: RequirementFor<Req> | undefined, request: Req) {
  return typeof requirement === 'function' ? requirement(request) : requirement;
}

/**
 * Builds the Express middleware behind {@link StepwiseGuard.express}.
 *
 * @param guard - the guard
 * @param requirement - fixed, or computed from the request
 */
export function expressMiddleware<Req extends ExpressLikeRequest>(guard: StepwiseGuard, requirement?: RequirementFor<Req>): ExpressMiddleware<Req> {
  // A fixed requirement is checked now, when the route is declared, not at its first request.
  if (requirement !== undefined && typeof requirement !== 'function') normalizeRequirement(requirement);
  return (req, response, next) => {
    const res = response as ExpressLikeResponse;
    let pending: Promise<VerifiedAuth | GuardError>;
    try {
      pending = guard.verifyOrRefuse(req.headers.authorization, requirementOf(requirement, req));
    } catch (error) {
      next(error);
      return;
    }
    pending.then(
      (outcome) => {
        if (!(outcome instanceof GuardError)) {
          req.auth = outcome;
          return next();
        }
        const answer = guard.answer(outcome)!;
        res.status(answer.status).set(answer.headers).send(answer.body);
      },
      (error: unknown) => next(error),
    );
  };
}

/**
 * The verified claims the guard attached to a request.
 *
 * @param req - a request that passed a guard middleware or hook
 * @throws Error when the route is not behind the guard (a wiring mistake)
 * @example
 * ```ts
 * app.get('/api/me', guard.express(), (req, res) => res.json({ user: authOf(req).subject }));
 * ```
 */
export function authOf(req: object): VerifiedAuth {
  const { auth } = req as { auth?: VerifiedAuth };
  if (!auth) throw new Error('this route is not behind the Stepwise guard: no verified token on the request');
  return auth;
}
