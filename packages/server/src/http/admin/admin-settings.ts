import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { registerCredentialPages } from './settings-credential-routes.js';
import { registerPolicyPages } from './settings-policy-routes.js';

/**
 * Settings: the policy (in force, check a pasted one, the playground),
 * signing keys (list, rotate), OIDC clients (list) and API keys (list,
 * create, revoke). Every page is behind `requireAdmin`; every change is a
 * CSRF-checked POST that writes an `admin_action` audit event before it
 * answers.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 * @example
 * ```ts
 * registerAdminSettingsPages(app, services);
 * ```
 */
export function registerAdminSettingsPages(app: FastifyInstance, services: Services): void {
  registerPolicyPages(app, services);
  registerCredentialPages(app, services);
}
