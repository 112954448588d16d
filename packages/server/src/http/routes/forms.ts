import { StepwiseError, type Requirement } from '@stepwise/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { applyRetryAfter, sendError, wantsHtml } from '../errors.js';
import type { PageError } from '../pages/layout.js';

/** Form posts per client IP per minute, on top of the per-account lockouts. */
export const FORM_RATE_LIMIT = { rateLimit: { max: 60, timeWindow: '1 minute' } } as const;

/** Every form carries its CSRF token; other fields are bounded so bad input is a 400, never work. */
const csrf = { _csrf: { type: 'string', maxLength: 256 } } as const;

/** Username and password form. */
export const passwordBody = {
  type: 'object',
  required: ['username', 'password'],
  properties: {
    ...csrf,
    username: { type: 'string', minLength: 1, maxLength: 256 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

/** One-time code form. */
export const codeBody = {
  type: 'object',
  required: ['code'],
  properties: { ...csrf, code: { type: 'string', minLength: 1, maxLength: 16 } },
} as const;

/** A WebAuthn answer: the ceremony it belongs to and the browser's JSON. */
export const passkeyBody = {
  type: 'object',
  required: ['ceremony_id', 'response'],
  properties: {
    ...csrf,
    ceremony_id: { type: 'string', minLength: 1, maxLength: 64 },
    response: { type: 'string', minLength: 1, maxLength: 32_768 },
  },
} as const;

/** Enrollment confirmation form. */
export const enrollBody = {
  type: 'object',
  required: ['code', 'factor_id'],
  properties: { ...csrf, code: codeBody.properties.code, factor_id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

/**
 * Sends an HTML page with a status.
 *
 * @param reply - the reply
 * @param status - HTTP status
 * @param page - the rendered page
 */
export function sendPage(reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
}

/**
 * Answers a refused form post: browsers get the form again with the error
 * (and `Retry-After` when the error carries one), other callers the JSON
 * error. Anything that is not a {@link StepwiseError} is rethrown.
 *
 * @param request - the request (its `Accept` decides)
 * @param reply - the reply
 * @param error - what the flow threw
 * @param render - renders the form again with the error shown
 */
export async function sendFormAgain(
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  render: (error: PageError) => string | Promise<string>,
): Promise<FastifyReply> {
  if (!(error instanceof StepwiseError)) throw error;
  if (!wantsHtml(request)) return sendError(request, reply, error);
  applyRetryAfter(reply, error);
  return sendPage(reply, error.status, await render({ code: error.code, message: error.message }));
}

function duration(seconds: number): string {
  if (seconds === 0) return 'just now';
  if (seconds % 3600 === 0) return `within the last ${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  if (seconds % 60 === 0) return `within the last ${seconds / 60} minute${seconds === 60 ? '' : 's'}`;
  return `within the last ${seconds} seconds`;
}

/**
 * A requirement in plain words: "aal2, verified within the last 5 minutes".
 *
 * @param requirement - the requirement
 */
export function describeRequirement(requirement: Requirement): string {
  return requirement.maxAge === undefined ? requirement.acr : `${requirement.acr}, verified ${duration(requirement.maxAge)}`;
}
