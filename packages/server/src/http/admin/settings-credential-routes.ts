import { StepwiseError, type AuditJson } from '@stepwise/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadSigningKeys, rotateSigningKey, SIGNING_ALG, signingKeyGrace } from '../../keys/signing-keys.js';
import type { Services } from '../../services.js';
import { createApiKey, listApiKeys, revokeApiKey, type CreatedApiKey } from '../../storage/api-keys.js';
import { listClients } from '../../storage/clients.js';
import type { PageError } from '../pages/layout.js';
import { FORM_RATE_LIMIT } from '../routes/forms.js';
import { requireAdmin, type AdminContext } from './admin-gate.js';
import { adminLayout, sendAdminPage } from './admin-layout.js';
import { readApiKeyForm } from './settings-api-key-input.js';
import { apiKeysPage } from './settings-api-keys-view.js';
import { clientsPage } from './settings-clients-view.js';
import { keysPage } from './settings-keys-view.js';

const csrf = { _csrf: { type: 'string', maxLength: 256 } } as const;
const csrfOnly = { type: 'object', properties: csrf } as const;
const createBody = { type: 'object', properties: { ...csrf, name: { type: 'string', maxLength: 256 }, return_to: { type: 'string', maxLength: 16 * 1024 } } } as const;
const revokeBody = { type: 'object', required: ['name'], properties: { ...csrf, name: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const doneQuery = { type: 'object', properties: { done: { type: 'string', maxLength: 32 } } } as const;

/** Notices after a redirect, by `?done=`; anything else shows none. */
const NOTICES: Readonly<Record<string, string>> = {
  rotated: 'A new signing key was created: every node publishes it within two minutes and signs with it from its activation; the previous one retires then.',
  revoked: 'The API key was revoked: its next call is refused, on every node.',
};

async function recordAdminAction(services: Services, request: FastifyRequest, admin: AdminContext, details: { action: string } & Record<string, AuditJson>): Promise<void> {
  // Awaited before the answer: an action the log could lose is not reported as done.
  await services.audit.record({ type: 'admin_action', actor: `admin:${admin.username}`, ip: request.ip, outcome: 'done', details });
}

interface ApiKeysForm {
  created?: CreatedApiKey;
  notice?: string;
  error?: PageError;
  form?: { name: string; returnTo: string };
}

async function sendApiKeysPage(services: Services, reply: FastifyReply, admin: AdminContext, extra: ApiKeysForm, status = 200): Promise<FastifyReply> {
  const keys = await listApiKeys(services.db);
  return sendAdminPage(reply, adminLayout({ title: 'API keys', section: 'api_keys', admin: admin.username }, apiKeysPage({ keys, csrfToken: admin.csrfToken, ...extra })), status);
}

/**
 * The credentials pages: `GET /admin/keys` and `POST /admin/keys/rotate`
 * (signing keys; rotation as `stepwise keys rotate`), `GET /admin/clients`
 * (OIDC clients, read-only), `GET /admin/api-keys`, `POST /admin/api-keys/create`
 * (create, the secret shown once) and `POST /admin/api-keys/revoke`.
 * Every change is CSRF-checked and writes an `admin_action` event first.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 * @example
 * ```ts
 * registerCredentialPages(app, services);
 * ```
 */
export function registerCredentialPages(app: FastifyInstance, services: Services): void {
  app.get('/admin/keys', { schema: { querystring: doneQuery } }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    // Read-only: the page neither reports signing nor deletes keys.
    const loaded = await loadSigningKeys(services.db, services.box, services.now(), signingKeyGrace(services.config), { readOnly: true });
    const keys = loaded
      .map(({ kid, state, createdAt, activatesAt, retiredAt, publishedUntil }) => ({ kid, alg: SIGNING_ALG, state, createdAt, activatesAt, retiredAt, publishedUntil }))
      .sort((a, b) => b.createdAt - a.createdAt);
    const { done } = request.query as { done?: string };
    return sendAdminPage(reply, adminLayout({ title: 'Signing keys', section: 'keys', admin: admin.username }, keysPage({
      keys, signingKid: services.tokenKeys.signingKid(), csrfToken: admin.csrfToken,
      notice: done === 'rotated' ? NOTICES.rotated : undefined,
    })));
  });

  app.post('/admin/keys/rotate', { config: FORM_RATE_LIMIT, schema: { body: csrfOnly }, preHandler: app.csrfProtection }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const { kid, retired } = await rotateSigningKey(services.db, services.box, services.now());
    await recordAdminAction(services, request, admin, { action: 'rotate_signing_key', kid, retired });
    return reply.redirect('/admin/keys?done=rotated', 303);
  });

  app.get('/admin/clients', async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    return sendAdminPage(reply, adminLayout({ title: 'Clients', section: 'clients', admin: admin.username }, clientsPage(await listClients(services.db))));
  });

  app.get('/admin/api-keys', { schema: { querystring: doneQuery } }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const { done } = request.query as { done?: string };
    return sendApiKeysPage(services, reply, admin, done === 'revoked' ? { notice: NOTICES.revoked! } : {});
  });

  app.post('/admin/api-keys/create', { config: FORM_RATE_LIMIT, schema: { body: createBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const body = request.body as { name?: string; return_to?: string };
    try {
      const { name, returnTo } = readApiKeyForm(body);
      const created = await createApiKey(services.db, { name, returnTo }, services.now());
      await recordAdminAction(services, request, admin, { action: 'create_api_key', name: created.name, id: created.id, return_to: [...created.returnTo] });
      // Never cached (sendAdminPage says no-store): the secret exists on this one page.
      return await sendApiKeysPage(services, reply, admin, { created });
    } catch (error) {
      if (!(error instanceof StepwiseError)) throw error;
      const form = { name: (body.name ?? '').slice(0, 64), returnTo: (body.return_to ?? '').slice(0, 4096) };
      return sendApiKeysPage(services, reply, admin, { error: { code: error.code, message: error.message }, form }, error.status);
    }
  });

  app.post('/admin/api-keys/revoke', { config: FORM_RATE_LIMIT, schema: { body: revokeBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const { name } = request.body as { name: string };
    try {
      await revokeApiKey(services.db, name, services.now());
    } catch (error) {
      if (!(error instanceof StepwiseError)) throw error;
      return sendApiKeysPage(services, reply, admin, { error: { code: error.code, message: error.message } }, error.status);
    }
    await recordAdminAction(services, request, admin, { action: 'revoke_api_key', name });
    return reply.redirect('/admin/api-keys?done=revoked', 303);
  });
}
