import { readStepUpChallenge, type StepUpChallenge } from './step-up-challenge.js';

/** A `fetch` with the same call shape as the platform one. */
export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** How {@link createStepUpFetch} gets tokens and runs a step-up. */
export interface StepUpFetchOptions {
  /** Current access token, or undefined to send the request without one. */
  getAccessToken(): string | undefined | Promise<string | undefined>;
  /**
   * Runs the step-up the challenge asks for; resolves with a new access
   * token, or undefined to give up (the 401 is then returned). In Node this
   * is the application's own callback.
   *
   * When `challenge.authorizationDetails` is present the API wants a proof
   * bound to this request's transaction: push an authorization request with
   * those details (RFC 9126 + RFC 9396) and return its token. That token is
   * used for the one retry only; do not make it what `getAccessToken`
   * returns, since it approves nothing else and is single-use.
   *
   * @param challenge - the RFC 9470 challenge, parsed
   * @param request - a copy of the refused request without the bearer token, its body unread
   */
  stepUp(challenge: StepUpChallenge, request: Request): Promise<string | undefined>;
  /** The fetch to send with; default the global one. */
  fetch?: typeof fetch;
}

/**
 * Returns a copy of the request carrying `Authorization: Bearer <token>`.
 * The original request's body moves to the copy.
 */
function withBearer(request: Request, token: string | undefined): Request {
  if (token === undefined) return request;
  const headers = new Headers(request.headers);
  headers.set('authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}

/** Frees the connection of a response nobody will read. */
async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Already consumed or errored: nothing is held open.
  }
}

/**
 * Wraps `fetch` so that it sends the current bearer token and answers
 * RFC 9470 step-up challenges: on a 401 with
 * `error="insufficient_user_authentication"` it calls `stepUp` and, when
 * that yields a new token, sends the original request again **once**.
 *
 * It never loops: the answer to the retry is returned as it is, even if it
 * is another challenge. Other answers, including a 401 `invalid_token`,
 * pass through untouched. A bound challenge (one with
 * `authorizationDetails`) is handed to `stepUp` like any other; the token
 * it yields is meant for that single retry. The request is cloned before the first send,
 * because a sent body stream cannot be read again.
 *
 * In a browser, a cross-origin API must list `WWW-Authenticate` in
 * `Access-Control-Expose-Headers`, or the challenge is invisible to scripts
 * and the 401 simply passes through.
 *
 * @param options - token source, step-up callback, and the fetch to wrap
 * @example
 * ```ts
 * const apiFetch = createStepUpFetch({
 *   getAccessToken: () => tokens.access,
 *   stepUp: async (challenge) => (tokens.access = await runStepUp(challenge.acrValues, challenge.maxAge)),
 * });
 * const response = await apiFetch('https://api.example/transfers', { method: 'POST', body: JSON.stringify(transfer) });
 *
 * // Against an API that binds proofs to transactions: a bound token is returned, never kept.
 * const boundFetch = createStepUpFetch({
 *   getAccessToken: () => tokens.access,
 *   stepUp: async (challenge) =>
 *     challenge.authorizationDetails ? approveTransaction(challenge) : (tokens.access = await runStepUp(challenge)),
 * });
 * ```
 */
export function createStepUpFetch(options: StepUpFetchOptions): FetchLike {
  // Called as a plain function, never as options.fetch(...): browsers refuse
  // a fetch whose `this` is not the window.
  const send: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  return async function stepUpFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const spare = request.clone();
    const response = await send(withBearer(request, await options.getAccessToken()));
    if (response.status !== 401) return response;
    const challenge = readStepUpChallenge(response);
    if (challenge === undefined) return response;

    const token = await options.stepUp(challenge, spare.clone());
    if (token === undefined) return response;
    await discard(response);
    return send(withBearer(spare, token));
  };
}
