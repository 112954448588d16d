import { BadRequestError, SimpleError, StepwiseError, ValidationError } from '@stepwise/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { renderErrorPage } from './pages/error-page.js';

function fieldOf(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return 'body';
  const missing = (first.params as { missingProperty?: string } | undefined)?.missingProperty;
  const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  return [error.validationContext ?? 'body', path, missing].filter(Boolean).join('.');
}

/**
 * Maps anything thrown in a handler to a catalogued error: ours as they are,
 * schema failures to `ERR_VALIDATION` naming the field, CSRF failures to
 * `ERR_CSRF`, other framework 4xx to `ERR_BAD_REQUEST`, the rest to
 * `ERR_INTERNAL` (logged, never shown).
 *
 * @param error - what was thrown
 */
export function toStepwiseError(error: unknown): StepwiseError {
  if (error instanceof StepwiseError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return new ValidationError(fieldOf(fastifyError), fastifyError.message.replace(/^[^ ]+ /, ''));
  if (typeof fastifyError.code === 'string' && fastifyError.code.startsWith('FST_CSRF')) return new SimpleError('ERR_CSRF');
  if (fastifyError.statusCode === 429) return new SimpleError('ERR_RATE_LIMITED');
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) return new BadRequestError(status, fastifyError.message);
  return new SimpleError('ERR_INTERNAL');
}

/**
 * Whether the caller is a browser that wants a page rather than JSON.
 *
 * @param request - the request
 */
export function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

/**
 * Sends a catalogued error as an HTML page or as JSON `{ error, message }`.
 *
 * @param request - the request
 * @param reply - the reply
 * @param error - the error
 */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: StepwiseError): FastifyReply {
  applyRetryAfter(reply, error);
  reply.code(error.status);
  if (wantsHtml(request)) {
    return reply.type('text/html; charset=utf-8').send(renderErrorPage({ status: error.status, code: error.code, message: error.message }));
  }
  return reply.send(error.toJSON());
}

/**
 * Adds `Retry-After` to an answer for a lockout or a send limit (any error
 * whose details carry `retry_after`), so clients know when to try again.
 *
 * @param reply - the reply
 * @param error - the error being answered
 */
export function applyRetryAfter(reply: FastifyReply, error: unknown): void {
  const seconds = error instanceof StepwiseError ? error.details.retry_after : undefined;
  if (typeof seconds === 'number') reply.header('retry-after', String(Math.max(1, Math.ceil(seconds))));
}

/**
 * Installs the error and not-found handlers on an app.
 *
 * @param app - the Fastify instance
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const mapped = toStepwiseError(error);
    if (mapped.code === 'ERR_INTERNAL') request.log.error({ err: error }, 'unhandled error');
    return sendError(request, reply, mapped);
  });
  app.setNotFoundHandler((request, reply) => sendError(request, reply, new SimpleError('ERR_NOT_FOUND')));
}
