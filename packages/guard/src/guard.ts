import { ConfigError } from '@stepwise/core';
import { guardAnswer, type GuardAnswer } from './answer.js';
import { bearerToken } from './bearer-token.js';
import { checkAssurance, requiredRank } from './check-assurance.js';
import { boundUnmet, checkTransaction, consumeTransaction, withTransactionHint } from './check-transaction.js';
import { toVerifiedAuth, type AccessTokenClaims, type VerifiedAuth } from './claims.js';
import { GuardError, InvalidTokenError, type InsufficientUserAuthenticationError } from './errors.js';
import { checkAlgorithms, DEFAULT_ALGORITHMS, positive, type GuardOptions } from './guard-options.js';
import { IssuerDirectory, type IssuerMetadata } from './issuer-directory.js';
import { MemoryReplayStore, type ReplayStore } from './replay-store.js';
import { normalizeRequirement, type NormalizedRequirement, type RequirementFor, type RouteRequirement } from './requirement.js';
import { normalizeTransaction, type NormalizedTransaction } from './transaction-requirement.js';
import { expressMiddleware, type ExpressLikeRequest, type ExpressMiddleware } from './adapters/express.js';
import { fastifyPreHandler, type FastifyLikeRequest, type FastifyPreHandler } from './adapters/fastify.js';
import { verifyFetchRequest, type FetchVerification } from './adapters/fetch.js';
import { verifyNodeRequest, type NodeLikeRequest, type NodeLikeResponse } from './adapters/node.js';
import { checkReceipt, RECEIPT_TYPE, type ReceiptExpectation, type VerifiedReceipt } from './verify-receipt.js';
import { createTokenVerifier, type TokenChecks, type TokenVerifier } from './verify-token.js';

/**
 * Verifies Stepwise access tokens and judges them against per-route
 * requirements. Framework adapters ({@link StepwiseGuard.express},
 * {@link StepwiseGuard.fastify}, {@link StepwiseGuard.node},
 * {@link StepwiseGuard.verifyRequest}) all answer refusals the same way.
 */
export class StepwiseGuard {
  private readonly directory: IssuerDirectory;
  private readonly verifyToken: TokenVerifier;
  private readonly tolerance: number;
  private readonly realm: string | undefined;
  private readonly clock: () => number;
  private readonly answers = new WeakMap<GuardError, GuardAnswer>();
  private readonly checks: TokenChecks;
  private readonly receiptVerifiers = new Map<string, TokenVerifier>();
  private readonly replayStore: ReplayStore;

  /** @param options - see {@link GuardOptions} */
  constructor(options: GuardOptions) {
    if (typeof options.issuer !== 'string' || !URL.canParse(options.issuer)) {
      throw new ConfigError('guard issuer', `must be the issuer URL, got ${JSON.stringify(options.issuer)}`);
    }
    const audience = typeof options.audience === 'string' ? [options.audience] : [...(options.audience ?? [])];
    if (audience.length === 0 || audience.some((value) => typeof value !== 'string' || value === '')) {
      throw new ConfigError('guard audience', 'must be this API\'s resource indicator (a non-empty string or list)');
    }
    const issuer = options.issuer.replace(/\/+$/, '');
    this.tolerance = positive(options.clockToleranceSeconds, 5, 'clockToleranceSeconds');
    this.realm = options.realm;
    this.clock = options.now ?? (() => Date.now() / 1000);
    const checks = {
      issuer,
      audience,
      algorithms: checkAlgorithms(options.algorithms ?? DEFAULT_ALGORITHMS),
      clockToleranceSeconds: this.tolerance,
      now: options.now,
    };
    const nowMs = options.now ? () => options.now!() * 1000 : Date.now;
    this.directory = new IssuerDirectory({
      issuer,
      fetch: options.fetch ?? globalThis.fetch,
      cooldownMs: positive(options.jwksCooldownSeconds, 30, 'jwksCooldownSeconds') * 1000,
      refreshMs: positive(options.cacheMaxAgeSeconds, 600, 'cacheMaxAgeSeconds') * 1000,
      timeoutMs: positive(options.fetchTimeoutSeconds, 5, 'fetchTimeoutSeconds') * 1000,
      acrRanks: options.acrRanks,
      acrLifetimes: options.acrLifetimes,
      nowMs,
    });
    this.checks = checks;
    this.verifyToken = createTokenVerifier(this.directory, checks);
    this.replayStore = options.replayStore ?? new MemoryReplayStore({ now: this.clock });
  }

  /**
   * Verifies a step-up receipt of the decision API (`typ`
   * stepwise-receipt+jwt): signature with the issuer's keys, `iss`, `exp`,
   * its audience (the API key's name), and the decision, action and user
   * the app expects; with `expected.authorizationDetails`, that it is bound
   * to exactly those details, approved within 300 s, and not used before;
   * then, with a requirement, its `acr`, `amr` and `auth_time` like an
   * access token's. A bound receipt is accepted once (its `jti` goes to the
   * replay store) and only after every other check passed.
   *
   * @param receipt - the compact JWT from `GET /v1/challenges/:id`
   * @param expected - the audience, and the action, decision, subject and details to match
   * @param requirement - what the action needs, if it is to be judged again here
   * @throws {@link GuardError} subclasses: {@link InvalidTokenError} (reason `receipt` for another decision, action or user),
   *   {@link TransactionNotApprovedError} (unbound, mismatch, expired, replayed)
   * @example
   * ```ts
   * const receipt = await guard.verifyReceipt(body.receipt, { audience: 'bank-backend', action: 'transfer.create', decisionId, authorizationDetails: payment });
   * ```
   */
  async verifyReceipt(receipt: string, expected: ReceiptExpectation, requirement?: RouteRequirement): Promise<VerifiedReceipt> {
    let verify = this.receiptVerifiers.get(expected.audience);
    if (!verify) {
      verify = createTokenVerifier(this.directory, { ...this.checks, audience: [expected.audience], typ: RECEIPT_TYPE });
      this.receiptVerifiers.set(expected.audience, verify);
    }
    const normalized = requirement ? normalizeRequirement(requirement) : undefined;
    const transaction = expected.authorizationDetails ? normalizeTransaction({ details: expected.authorizationDetails }) : undefined;
    let claims;
    try {
      claims = await verify(bearerToken(`Bearer ${receipt}`));
    } catch (error) {
      if (error instanceof InvalidTokenError && error.reason === 'type') {
        throw new InvalidTokenError('type', `The token is not a step-up receipt (typ must be ${RECEIPT_TYPE})`);
      }
      throw error;
    }
    // Whose receipt it is comes first: a receipt of another decision gets no step-up hint.
    const verified = checkReceipt(receipt, claims, expected);
    const refusal = await this.judge(claims, normalized, transaction);
    if (refusal) throw refusal;
    return verified;
  }

  /**
   * Fetches discovery and keys now instead of at the first request, and
   * checks that the levels the given requirements name exist.
   *
   * @param requirements - fixed route requirements to check against the issuer's levels
   * @throws {@link IssuerUnavailableError} or {@link ConfigError}
   */
  async ready(requirements: readonly RouteRequirement[] = []): Promise<void> {
    const { acrRanks } = await this.directory.metadata();
    for (const requirement of requirements) {
      const { acr } = normalizeRequirement(requirement);
      if (acr !== undefined) requiredRank(acr, acrRanks);
    }
  }

  /**
   * Verifies the token in an `Authorization` header and judges it. With a
   * `transaction` in the requirement (see {@link requireTransaction}) the
   * token must be bound to it and is accepted once.
   *
   * @param authorization - the header value
   * @param requirement - what the route needs; none checks the token only
   * @returns the verified claims, for the handler
   * @throws {@link GuardError} subclasses for every refusal
   * @example
   * ```ts
   * const auth = await guard.verify(req.headers.authorization, { acr: 'aal2', maxAge: 300 });
   * ```
   */
  async verify(authorization: string | null | undefined, requirement?: RouteRequirement): Promise<VerifiedAuth> {
    const outcome = await this.verifyOrRefuse(authorization, requirement);
    if (outcome instanceof GuardError) throw outcome;
    return outcome;
  }

  /**
   * {@link StepwiseGuard.verify} for adapters, which answer refusals rather
   * than pass them on: every {@link GuardError} comes back as the result, so
   * that a refused request costs no rejected promises; other errors (a
   * route's bad requirement, a failing replay store) still reject.
   *
   * @param authorization - the header value
   * @param requirement - what the route needs; none checks the token only
   * @returns the verified claims, or the refusal to answer with {@link StepwiseGuard.answer}
   * @example
   * ```ts
   * const outcome = await guard.verifyOrRefuse(req.headers.authorization, { acr: 'aal2' });
   * if (outcome instanceof GuardError) return send(guard.answer(outcome)!);
   * ```
   */
  async verifyOrRefuse(authorization: string | null | undefined, requirement?: RouteRequirement): Promise<VerifiedAuth | GuardError> {
    try {
      const token = bearerToken(authorization);
      // The requirement is checked before the token, so that a route's mistake never hides behind a 401.
      const normalized = requirement ? normalizeRequirement(requirement) : undefined;
      const transaction = requirement?.transaction ? normalizeTransaction(requirement.transaction) : undefined;
      const claims = await this.verifyToken(token);
      // The usual route, bound to no transaction, is judged without another await.
      const metadata = this.directory.metadataNow();
      const refusal = !transaction && metadata
        ? this.assuranceRefusal(claims, normalized, metadata, this.clock())
        : await this.judge(claims, normalized, transaction);
      return refusal ?? toVerifiedAuth(token, claims);
    } catch (error) {
      if (error instanceof GuardError) return error;
      throw error;
    }
  }

  /**
   * Judges verified claims: the transaction binding (unbound, mismatch,
   * expired), the assurance (with the transaction hint on a bound route),
   * and last the single use, so that a refused token is not used up.
   *
   * @returns the refusal, or `undefined` when the claims suffice
   */
  private async judge(
    claims: AccessTokenClaims,
    normalized: NormalizedRequirement | undefined,
    transaction: NormalizedTransaction | undefined,
  ): Promise<GuardError | undefined> {
    const now = this.clock();
    const unmet = transaction && boundUnmet(normalized, transaction);
    if (transaction) {
      const refusal = checkTransaction(claims, transaction, unmet!, now, this.tolerance);
      if (refusal) return refusal;
    }
    if (normalized) {
      const metadata = this.directory.metadataNow() ?? (await this.directory.metadata());
      const refusal = this.assuranceRefusal(claims, normalized, metadata, now);
      if (refusal) return transaction ? withTransactionHint(refusal, unmet!, transaction) : refusal;
    }
    if (transaction) await consumeTransaction(claims, transaction, unmet!, this.replayStore, this.tolerance);
    return undefined;
  }

  private assuranceRefusal(
    claims: AccessTokenClaims,
    normalized: NormalizedRequirement | undefined,
    metadata: IssuerMetadata,
    now: number,
  ): InsufficientUserAuthenticationError | undefined {
    return normalized && checkAssurance(claims, normalized, metadata, now, this.tolerance);
  }

  /**
   * Status, headers and body for a refusal, for adapters of other frameworks.
   *
   * @param error - what {@link StepwiseGuard.verify} threw, or the refusal {@link StepwiseGuard.verifyOrRefuse} resolved
   * @returns the answer, or `undefined` when the error is not a refusal (rethrow it)
   */
  answer(error: unknown): GuardAnswer | undefined {
    if (!(error instanceof GuardError)) return undefined;
    // Refusals of a fixed requirement are shared objects (see checkAssurance),
    // so their answers are built once too.
    let answer = this.answers.get(error);
    if (!answer) this.answers.set(error, (answer = guardAnswer(error, this.realm)));
    return answer;
  }

  /**
   * Express 5 middleware: sets `req.auth` (read it with {@link authOf}) or
   * answers the refusal; other errors go to `next`.
   *
   * @param requirement - fixed, or computed from the request (after a body parser)
   * @example
   * ```ts
   * app.get('/api/balance', guard.express({ acr: 'aal1' }), (req, res) => res.json(balanceOf(authOf(req).subject)));
   * ```
   */
  express<Req extends ExpressLikeRequest>(requirement?: RequirementFor<Req>): ExpressMiddleware<Req> {
    return expressMiddleware(this, requirement);
  }

  /**
   * Fastify 5 `preHandler` hook: sets `request.auth` or answers the refusal.
   *
   * @param requirement - fixed, or computed from the request
   * @example
   * ```ts
   * app.post('/api/transfers', { preHandler: guard.fastify({ acr: 'aal2', maxAge: 300 }) }, handler);
   * ```
   */
  fastify<Req extends FastifyLikeRequest>(requirement?: RequirementFor<Req>): FastifyPreHandler<NoInfer<Req>> {
    return fastifyPreHandler(this, requirement);
  }

  /**
   * For plain `node:http` handlers: verifies, or writes the refusal and
   * resolves `undefined`.
   *
   * @param req - the incoming request
   * @param res - the response, written only on refusal
   * @param requirement - what the route needs
   * @example
   * ```ts
   * const auth = await guard.node(req, res, { acr: 'aal2' });
   * if (!auth) return;
   * ```
   */
  node(req: NodeLikeRequest, res: NodeLikeResponse, requirement?: RouteRequirement): Promise<VerifiedAuth | undefined> {
    return verifyNodeRequest(this, req, res, requirement);
  }

  /**
   * For fetch-style servers (Hono, Next route handlers, workers).
   *
   * @param request - the Fetch API request
   * @param requirement - what the route needs
   * @returns `{ ok: true, auth }`, or `{ ok: false, response }` to return as is
   * @example
   * ```ts
   * const result = await guard.verifyRequest(request, { acr: 'aal2', maxAge: 300 });
   * if (!result.ok) return result.response;
   * ```
   */
  verifyRequest(request: Request, requirement?: RouteRequirement): Promise<FetchVerification> {
    return verifyFetchRequest(this, request, requirement);
  }
}

/**
 * Creates a guard for one API.
 *
 * @param options - issuer, audience and optional tuning
 * @example
 * ```ts
 * const guard = createGuard({ issuer: 'http://localhost:3000', audience: 'http://localhost:3001/api' });
 * app.post('/api/transfers', guard.express({ acr: 'aal2', maxAge: 300 }), handler);
 * ```
 */
export function createGuard(options: GuardOptions): StepwiseGuard {
  return new StepwiseGuard(options);
}
