import type { FastifyInstance } from 'fastify';
import { countAuditRecords } from '../../metrics/audit-metrics.js';
import { observeHttpRequests } from '../../metrics/http-metrics.js';
import { createStepwiseMetrics } from '../../metrics/stepwise-metrics.js';
import type { Services } from '../../services.js';

/**
 * `/metrics` for Prometheus, in the text exposition format: HTTP requests
 * and their durations by route template, decisions by outcome, step-ups by
 * method and result (from the audit log), and Node's process metrics.
 * Each server has its own registry.
 *
 * It answers anyone who can reach it: it holds no secrets nor user ids,
 * but it does tell traffic and outcomes, so keep it off the public side of
 * the proxy (see the README, "Metrics and logs").
 *
 * Register it before any other route: the hook it installs counts only
 * routes added after it.
 *
 * @param app - the Fastify instance
 * @param services - shared services (the audit log)
 * @example
 * ```ts
 * registerMetrics(app, services);
 * // GET /metrics → stepwise_http_requests_total{method="GET",route="/healthz",status="200"} 3
 * ```
 */
export function registerMetrics(app: FastifyInstance, services: Services): void {
  const metrics = createStepwiseMetrics();
  observeHttpRequests(app, metrics);
  services.audit.onCommitted((records) => countAuditRecords(metrics, records));
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.header('cache-control', 'no-store').type(metrics.registry.contentType).send(text);
  });
}
