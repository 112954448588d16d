import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { registerAdminEventPages } from './admin-events.js';
import { registerAdminInsightPages } from './admin-insights.js';
import { registerAdminSettingsPages } from './admin-settings.js';
import { registerAdminUserPages } from './admin-users.js';

/**
 * The admin console under `/admin`: people (users, sessions), the events
 * timeline, insights (decision explorer, charts) and settings (policy,
 * signing keys, OIDC clients, API keys). Every page is behind
 * `requireAdmin` (admin-gate.ts): an admin account at the multi-factor
 * level.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 */
export function registerAdminRoutes(app: FastifyInstance, services: Services): void {
  registerAdminUserPages(app, services);
  registerAdminEventPages(app, services);
  registerAdminInsightPages(app, services);
  registerAdminSettingsPages(app, services);
}
