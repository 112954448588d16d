import type { VerifiedAuth } from '../claims.js';
import { GuardError } from '../errors.js';
import type { StepwiseGuard } from '../guard.js';
import type { RouteRequirement } from '../requirement.js';

/** The part of `http.IncomingMessage` the guard reads. */
export interface NodeLikeRequest {
  readonly headers: { readonly authorization?: string | undefined };
}

/** The part of `http.ServerResponse` the guard writes. */
export interface NodeLikeResponse {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body: string): unknown;
}

/**
 * Implements {@link StepwiseGuard.node}.
 *
 * @param guard - the guard
 * @param req - the request
 * @param res - written only on refusal
 * @param requirement - what the route needs
 */
export async function verifyNodeRequest(
  guard: StepwiseGuard,
  req: NodeLikeRequest,
  res: NodeLikeResponse,
  requirement?: RouteRequirement,
): Promise<VerifiedAuth | undefined> {
  const outcome = await guard.verifyOrRefuse(req.headers.authorization, requirement);
  if (!(outcome instanceof GuardError)) return outcome;
  const answer = guard.answer(outcome)!;
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
  return undefined;
}
