export { createGuard, StepwiseGuard, DEFAULT_ALGORITHMS, type GuardOptions } from './guard.js';
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
  type BearerErrorCode,
  type InvalidTokenReason,
  type UnmetRequirement,
} from './errors.js';
