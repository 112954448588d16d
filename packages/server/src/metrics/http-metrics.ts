import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StepwiseMetrics } from './stepwise-metrics.js';

/** The route label of a request no route matched (the not-found handler). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route label: the template the request matched (`/v1/challenges/:id`,
 * `/auth/*`), never the URL, so ids, codes and query strings never become
 * labels and the number of series stays that of the routes.
 *
 * @param request - the request
 * @returns the route template, or `unmatched`
 * @example
 * ```ts
 * routeLabel(request); // '/v1/challenges/:id'
 * ```
 */
export function routeLabel(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

/**
 * Counts and times every answer at `onResponse`, which Fastify runs for
 * every route of the app, the not-found handler's and those whose reply
 * was hijacked (oidc-provider's), once the answer has been written.
 *
 * @param app - the Fastify instance (the root, before routes are added)
 * @param metrics - the server's metrics
 * @example
 * ```ts
 * observeHttpRequests(app, createStepwiseMetrics());
 * ```
 */
export function observeHttpRequests(app: FastifyInstance, metrics: Pick<StepwiseMetrics, 'httpRequests' | 'httpRequestDuration'>): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = routeLabel(request);
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpRequestDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}
