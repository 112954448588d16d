import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';

/**
 * Registers this part of the admin console (being built).
 *
 * @param _app - the Fastify instance
 * @param _services - shared services
 */
export function registerAdminUserPages(_app: FastifyInstance, _services: Services): void {}
