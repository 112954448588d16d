import { StepwiseClientError } from './errors.js';

/** A request saved across a sign-in redirect, to be sent again afterwards. */
export interface PendingRequest {
  readonly method: string;
  readonly url: string;
  /** Header pairs, without `Authorization`: the replay carries the new token instead. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body?: string;
}

// Bodies that survive a round trip through a string: JSON, form-encoded,
// and text. A Request no longer says which JavaScript type its body came
// from, but fetch sets the Content-Type from it (text/plain for a string,
// x-www-form-urlencoded for URLSearchParams, multipart for FormData).
const REPLAYABLE_CONTENT_TYPE =
  /^\s*(?:application\/(?:[\w.-]+\+)?json|application\/x-www-form-urlencoded|text\/[\w.+-]+)\s*(?:;|$)/i;

/**
 * Saves a request so it can be sent again after the page has navigated
 * away and back. Only bodies that are text (a string, URLSearchParams, or
 * JSON) can be saved; anything else is refused **before** navigating, so
 * the user is not sent through a sign-in whose request is then lost.
 *
 * @param request - the request; its body is read
 * @throws StepwiseClientError `ERR_CLIENT_BODY_NOT_REPLAYABLE` for FormData, Blob, binary or stream bodies
 * @example
 * ```ts
 * const pending = await toPendingRequest(new Request('/api/transfers', { method: 'POST', body: JSON.stringify(t),
 *   headers: { 'content-type': 'application/json' } }));
 * ```
 */
export async function toPendingRequest(request: Request): Promise<PendingRequest> {
  const headers: Array<[string, string]> = [];
  request.headers.forEach((value, name) => {
    if (name !== 'authorization') headers.push([name, value]);
  });
  const base = { method: request.method, url: request.url, headers };
  if (request.method === 'GET' || request.method === 'HEAD') return base;

  const contentType = request.headers.get('content-type');
  const refuse = (): StepwiseClientError =>
    new StepwiseClientError('ERR_CLIENT_BODY_NOT_REPLAYABLE', undefined, { method: request.method, url: request.url, contentType });
  if (contentType !== null && !REPLAYABLE_CONTENT_TYPE.test(contentType)) throw refuse();
  const body = await request.text();
  // No Content-Type but bytes: an ArrayBuffer or an untyped Blob.
  if (contentType === null && body !== '') throw refuse();
  return contentType === null ? base : { ...base, body };
}

/**
 * Rebuilds a saved request, carrying the given bearer token.
 *
 * @param pending - the saved request
 * @param accessToken - the token to send
 * @example
 * ```ts
 * const response = await fetch(fromPendingRequest(pending, tokens.accessToken));
 * ```
 */
export function fromPendingRequest(pending: PendingRequest, accessToken: string): Request {
  const headers = new Headers();
  for (const [name, value] of pending.headers) headers.append(name, value);
  headers.set('authorization', `Bearer ${accessToken}`);
  return new Request(pending.url, {
    method: pending.method,
    headers,
    ...(pending.body === undefined ? {} : { body: pending.body }),
  });
}

/**
 * Shape check for a stored pending request.
 *
 * @param value - a parsed storage record
 * @example
 * ```ts
 * if (isPendingRequest(record.pending)) replay(record.pending);
 * ```
 */
export function isPendingRequest(value: unknown): value is PendingRequest {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.method === 'string' &&
    typeof record.url === 'string' &&
    Array.isArray(record.headers) &&
    record.headers.every(
      (pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'string',
    ) &&
    (record.body === undefined || typeof record.body === 'string')
  );
}
