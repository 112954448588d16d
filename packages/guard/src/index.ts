export { createGuard, StepwiseGuard } from './guard.js';
export { DEFAULT_ALGORITHMS, type GuardOptions } from './guard-options.js';
export { requireTransaction, type RequireTransactionOptions } from './require-transaction.js';
export type { AuthorizationDetail } from '@stepwise/core';
export { DEFAULT_TRANSACTION_MAX_AGE, type TransactionRequirement } from './transaction-requirement.js';
export { MemoryReplayStore, type MemoryReplayStoreOptions, type ReplayStore } from './replay-store.js';
export { PostgresReplayStore, type PostgresQueryable, type PostgresReplayStoreOptions } from './postgres-replay-store.js';
export { authOf, type ExpressLikeRequest, type ExpressLikeResponse, type ExpressMiddleware } from './adapters/express.js';
export type { FastifyLikeReply, FastifyLikeRequest, FastifyPreHandler } from './adapters/fastify.js';
export type { FetchVerification } from './adapters/fetch.js';
export type { NodeLikeRequest, NodeLikeResponse } from './adapters/node.js';
export type { AccessTokenClaims, VerifiedAuth } from './claims.js';
export { guardAnswer, type GuardAnswer } from './answer.js';
export { bearerChallenge } from './challenge.js';
export { bearerToken } from './bearer-token.js';
export { ACCESS_TOKEN_TYPE } from './verify-token.js';
export { RECEIPT_TYPE, type ReceiptExpectation, type VerifiedReceipt } from './verify-receipt.js';
export { METHOD_ALIASES, type RequirementFor, type RouteRequirement } from './requirement.js';
export {
  GuardError,
  InsufficientUserAuthenticationError,
  InvalidTokenError,
  IssuerUnavailableError,
  MissingTokenError,
  ReplayStoreFullError,
  TransactionNotApprovedError,
  type BearerErrorCode,
  type InvalidTokenReason,
  type TransactionHint,
  type TransactionRefusalReason,
  type UnmetRequirement,
} from './errors.js';
