import { METHOD_IDS } from '@stepwise/core';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The decision API's outcomes, the values of `stepwise_decisions_total{outcome}` (and `unknown`). */
export const DECISION_OUTCOMES = ['allow', 'step_up', 'deny'] as const;

/** How a step-up answer ended, the values of `stepwise_step_ups_total{result}`. */
export const STEP_UP_RESULTS = ['satisfied', 'failed'] as const;

/**
 * Seconds. From a cached page (milliseconds) to a slow password hash or an
 * SMTP send (seconds).
 */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One server's metrics, in a registry of its own. */
export interface StepwiseMetrics {
  /** What `/metrics` serves. */
  readonly registry: Registry;
  /** `stepwise_http_requests_total{method,route,status}`. */
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  /** `stepwise_http_request_duration_seconds{method,route}`. */
  readonly httpRequestDuration: Histogram<'method' | 'route'>;
  /** `stepwise_decisions_total{outcome}`. */
  readonly decisions: Counter<'outcome'>;
  /** `stepwise_step_ups_total{method,result}`. */
  readonly stepUps: Counter<'method' | 'result'>;
}

/**
 * Creates a server's metrics in a new registry, with Node's process
 * metrics (`process_*`, `nodejs_*`). Never the global registry: several
 * servers may run in one process (tests, a multi-tenant host), and each
 * must count only its own requests.
 *
 * Labels are bounded by construction: route templates, HTTP methods and
 * statuses, decision outcomes, method ids. Nothing that names a user, a
 * client, a challenge or a secret is ever a label.
 *
 * @returns the registry and the Stepwise metrics in it, the known label sets at 0
 * @example
 * ```ts
 * const metrics = createStepwiseMetrics();
 * metrics.decisions.inc({ outcome: 'allow' });
 * const text = await metrics.registry.metrics();
 * ```
 */
export function createStepwiseMetrics(): StepwiseMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpRequests = new Counter({
    name: 'stepwise_http_requests_total',
    help: 'HTTP requests answered, by method, route template ("unmatched" when no route matched) and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpRequestDuration = new Histogram({
    name: 'stepwise_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to the end of its answer, by method and route template.',
    labelNames: ['method', 'route'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'stepwise_decisions_total',
    help: 'Decisions of the decision API, by outcome, as committed to the audit log.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const stepUps = new Counter({
    name: 'stepwise_step_ups_total',
    help: 'Step-up answers, by method and result (satisfied or failed), as committed to the audit log.',
    labelNames: ['method', 'result'] as const,
    registers: [registry],
  });
  // Series that exist from the start, so rate() and alerts see the first event.
  for (const outcome of DECISION_OUTCOMES) decisions.inc({ outcome }, 0);
  for (const method of METHOD_IDS) for (const result of STEP_UP_RESULTS) stepUps.inc({ method, result }, 0);
  return { registry, httpRequests, httpRequestDuration, decisions, stepUps };
}
