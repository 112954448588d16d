import { ConfigError, type AuthorizationDetail } from '@stepwise/core';
import { normalizeRequirement, withTransaction, type RouteRequirement } from './requirement.js';
import { prepareTransaction, transactionMaxAge } from './transaction-requirement.js';

/** How a bound route's approvals age. */
export interface RequireTransactionOptions {
  /** Seconds since the approval during which it may be used; default 300. */
  readonly maxAge?: number;
}

/**
 * A per-request requirement that binds the token to the transaction the
 * request performs. `build` reads the transaction from the request (after
 * the body parser) as RFC 9396 `authorization_details`; the token must carry
 * exactly those details (compared by their RFC 8785 hash), approved within
 * `maxAge`, and is accepted once. Refusals carry the details, so the client
 * SDK can run the bound step-up and retry. Works with every adapter.
 *
 * @param build - the request's details, or `undefined` when it needs no binding (the plain requirement applies)
 * @param requirement - the route's level, freshness and methods, as for an unbound route
 * @param options - `maxAge` of the binding (default 300 s)
 * @returns the requirement of one request; it throws a {@link ConfigError}
 *   (not a refusal) when `build` returns something that is not a non-empty
 *   array of plain objects with a string `type`, or not canonicalisable JSON
 * @throws {@link ConfigError} at declaration, for a bad `requirement` or `maxAge`
 * @example
 * ```ts
 * const paymentOf = (body: Transfer): AuthorizationDetail[] => [{
 *   type: 'payment_initiation',
 *   instructedAmount: { currency: body.currency, amount: body.amount },
 *   creditorName: body.payee,
 * }];
 * // Name the request type on the adapter (as for any computed requirement) and `req` is typed here.
 * app.post('/api/transfers', express.json(), guard.express<express.Request>(requireTransaction((req) => paymentOf(req.body), { acr: 'aal2', maxAge: 300 })), handler);
 * app.post('/api/transfers', { preHandler: guard.fastify<TransferRequest>(requireTransaction((req) => paymentOf(req.body), { acr: 'aal2' })) }, handler);
 * const auth = await guard.node(req, res, requireTransaction(paymentOfNodeRequest, { acr: 'aal2' })(req));
 * ```
 */
export function requireTransaction<Req>(
  build: (request: Req) => readonly AuthorizationDetail[] | undefined,
  requirement?: RouteRequirement,
  options: RequireTransactionOptions = {},
): (request: Req) => RouteRequirement | undefined {
  if (typeof build !== 'function') throw new ConfigError('guard requireTransaction', 'needs a function that builds the details from the request');
  if (requirement?.transaction !== undefined) {
    throw new ConfigError('guard requireTransaction', 'the requirement must not carry a transaction: the builder supplies it');
  }
  // Checked now, when the route is declared, not at its first request.
  if (requirement) normalizeRequirement(requirement);
  const maxAge = transactionMaxAge(options.maxAge);
  return (request) => {
    const details = build(request);
    if (details === undefined) return requirement;
    return withTransaction(requirement, prepareTransaction(Object.freeze({ details, maxAge })));
  };
}
