import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';

/**
 * `/metrics` for Prometheus (being built).
 *
 * @param _app - the Fastify instance
 * @param _services - shared services
 */
export function registerMetrics(_app: FastifyInstance, _services: Services): void {}
