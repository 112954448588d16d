import type { VerifiedAuth } from '../claims.js';
import { GuardError } from '../errors.js';
import type { StepwiseGuard } from '../guard.js';
import type { RouteRequirement } from '../requirement.js';

/** The outcome of {@link StepwiseGuard.verifyRequest}. */
export type FetchVerification =
  | { readonly ok: true; readonly auth: VerifiedAuth }
  | { readonly ok: false; readonly response: Response; readonly error: GuardError };

/**
 * Implements {@link StepwiseGuard.verifyRequest}.
 *
 * @param guard - the guard
 * @param request - the Fetch API request
 * @param requirement - what the route needs
 */
export async function verifyFetchRequest(guard: StepwiseGuard, request: Request, requirement?: RouteRequirement): Promise<FetchVerification> {
  const outcome = await guard.verifyOrRefuse(request.headers.get('authorization'), requirement);
  if (!(outcome instanceof GuardError)) return { ok: true, auth: outcome };
  const answer = guard.answer(outcome)!;
  return { ok: false, response: new Response(answer.body, { status: answer.status, headers: answer.headers }), error: outcome };
}
