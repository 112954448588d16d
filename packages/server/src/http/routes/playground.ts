import { SimpleError, StepwiseError, ValidationError } from '@stepwise/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services.js';
import {
  evaluatePlaygroundInput,
  MAX_PLAYGROUND_INPUT as MAX_INPUT,
  parsePlaygroundText,
  playgroundResultJson as resultJson,
  samplePlaygroundInput as sampleInput,
} from '../admin/settings-playground.js';
import { wantsHtml } from '../errors.js';
import { renderPlaygroundPage, type PlaygroundResult } from '../pages/playground-page.js';
import { FORM_RATE_LIMIT, sendPage } from './forms.js';

function isForm(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

function wantsJson(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('application/json') && !wantsHtml(request);
}

/** The pasted JSON (form) or the body itself (JSON), parsed. */
function pastedInput(request: FastifyRequest): { text: string; value: unknown } {
  if (!isForm(request)) return { text: JSON.stringify(request.body ?? null, null, 2), value: request.body };
  const text = (request.body as { input?: unknown } | undefined)?.input;
  if (typeof text !== 'string') throw new ValidationError('input', 'paste a policy input as JSON');
  return { text, value: parsePlaygroundText(text) };
}

function evaluate(services: Services, raw: unknown): PlaygroundResult {
  return evaluatePlaygroundInput(services.policies.current(), raw, services.now());
}

/**
 * `GET /playground` and `POST /playground`: with `demo` or `outbox` on, a
 * form that evaluates a pasted policy input under the policy in force and
 * shows the decision, the requirement and every reason; with both off, a
 * 404 like any unknown path. `POST` takes the form (CSRF-checked) or the
 * input itself as a JSON body, and answers JSON to `Accept:
 * application/json`: `{ decision, requirement, rules, reasons }`.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 * @example
 * ```ts
 * registerPlaygroundRoutes(app, services);
 * ```
 */
export function registerPlaygroundRoutes(app: FastifyInstance, services: Services): void {
  const available = (): void => {
    if (!services.config.demo && !services.config.outbox) throw new SimpleError('ERR_NOT_FOUND');
  };
  app.get('/playground', async (_request, reply) => {
    available();
    return sendPage(reply, 200, renderPlaygroundPage({ csrfToken: reply.generateCsrf(), input: sampleInput(services.now()) }));
  });
  app.post('/playground', {
    config: FORM_RATE_LIMIT,
    // A JSON body cannot come from another site's form; a form post must carry its CSRF token.
    preHandler: (request, reply, done) => {
      try {
        available();
      } catch (error) {
        done(error as Error);
        return;
      }
      if (isForm(request)) app.csrfProtection.call(app, request, reply, done);
      else done();
    },
  }, async (request, reply: FastifyReply) => {
    // The operator's text comes back in the form even when it is refused.
    const typed = (request.body as { input?: unknown } | undefined)?.input;
    let text = isForm(request) && typeof typed === 'string' ? typed.slice(0, MAX_INPUT) : '';
    try {
      const pasted = pastedInput(request);
      text = pasted.text;
      const result = evaluate(services, pasted.value);
      if (wantsJson(request)) return reply.header('cache-control', 'no-store').send(resultJson(result));
      return sendPage(reply, 200, renderPlaygroundPage({ csrfToken: reply.generateCsrf(), input: text, result }));
    } catch (error) {
      if (!(error instanceof StepwiseError) || wantsJson(request) || !isForm(request)) throw error;
      return sendPage(reply, error.status, renderPlaygroundPage({ csrfToken: reply.generateCsrf(), input: text, error: { code: error.code, message: error.message } }));
    }
  });
}
