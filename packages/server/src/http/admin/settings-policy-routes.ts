import { StepwiseError } from '@stepwise/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Services } from '../../services.js';
import { listAuditEvents } from '../../storage/audit-events.js';
import type { PageError } from '../pages/layout.js';
import type { PlaygroundResult } from '../pages/playground-page.js';
import { FORM_RATE_LIMIT } from '../routes/forms.js';
import { requireAdmin, type AdminContext } from './admin-gate.js';
import { adminLayout, sendAdminPage } from './admin-layout.js';
import { checkPastedPolicy, MAX_POLICY_TEXT, type PolicyCheck } from './settings-policy-check.js';
import { policyPage, type PolicyOrigin } from './settings-policy-view.js';
import { evaluatePlaygroundInput, MAX_PLAYGROUND_INPUT, parsePlaygroundText, samplePlaygroundInput } from './settings-playground.js';

/* The body limit bounds both fields; the handlers check the lengths themselves so the form comes back with the text and the error. */
const csrf = { _csrf: { type: 'string', maxLength: 256 } } as const;
const validateBody = { type: 'object', properties: { ...csrf, policy: { type: 'string', maxLength: 2 * MAX_POLICY_TEXT } } } as const;
const playgroundBody = { type: 'object', properties: { ...csrf, input: { type: 'string', maxLength: 2 * MAX_PLAYGROUND_INPUT } } } as const;

/** Reloads recorded before this process started were of an earlier process: its policy was read at start, after them. */
const PROCESS_STARTED_MS = Date.now() - process.uptime() * 1000;

async function policyOrigin(services: Services): Promise<PolicyOrigin> {
  const file = services.config.configFile;
  if (file === null) return { file };
  const events = (await listAuditEvents(services.db, { types: ['policy_reloaded'], since: PROCESS_STARTED_MS, limit: 20 }))
    .filter((event) => event.details?.file === file);
  const okIndex = events.findIndex((event) => event.outcome === 'ok');
  const ok = okIndex < 0 ? undefined : events[okIndex]!;
  const refused = events.slice(0, okIndex < 0 ? events.length : okIndex).find((event) => event.outcome === 'failed');
  return {
    file,
    ...(ok && { reloaded: { at: ok.at, seq: ok.seq } }),
    ...(refused && { refused: { at: refused.at, seq: refused.seq, code: typeof refused.details?.code === 'string' ? refused.details.code : 'ERR_POLICY_INVALID' } }),
  };
}

interface PolicyForms {
  check?: { text: string; result?: PolicyCheck; error?: PageError };
  playground?: { text: string; result?: PlaygroundResult; error?: PageError };
}

async function sendPolicyPage(services: Services, reply: FastifyReply, admin: AdminContext, forms: PolicyForms, status = 200): Promise<FastifyReply> {
  const body = policyPage({
    policy: services.policies.current(),
    origin: await policyOrigin(services),
    csrfToken: admin.csrfToken,
    check: forms.check,
    playground: forms.playground ?? { text: samplePlaygroundInput(services.now()) },
  });
  return sendAdminPage(reply, adminLayout({ title: 'Policy', section: 'policy', admin: admin.username }, body), status);
}

function pageError(error: unknown): PageError {
  if (!(error instanceof StepwiseError)) throw error;
  return { code: error.code, message: error.message };
}

/**
 * `GET /admin/policy` (the policy in force, when it was loaded, and the two
 * forms), `POST /admin/policy/validate` (checks a pasted policy with the
 * server's loader, never applies it: 200 when valid, 400
 * `ERR_POLICY_INVALID` naming the path and line) and `POST
 * /admin/policy/playground` (evaluates an input under the policy in
 * force, in every mode). Neither post changes anything, so neither writes
 * an audit event.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 * @example
 * ```ts
 * registerPolicyPages(app, services);
 * ```
 */
export function registerPolicyPages(app: FastifyInstance, services: Services): void {
  app.get('/admin/policy', async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    return sendPolicyPage(services, reply, admin, {});
  });

  app.post('/admin/policy/validate', { config: FORM_RATE_LIMIT, schema: { body: validateBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const text = (request.body as { policy?: string }).policy ?? '';
    const shown = text.slice(0, MAX_POLICY_TEXT);
    let result: PolicyCheck;
    try {
      result = checkPastedPolicy(text, services.levels);
    } catch (error) {
      const shownError = pageError(error);
      return sendPolicyPage(services, reply, admin, { check: { text: shown, error: shownError } }, 400);
    }
    return sendPolicyPage(services, reply, admin, { check: { text: shown, result } }, result.valid ? 200 : 400);
  });

  app.post('/admin/policy/playground', { config: FORM_RATE_LIMIT, schema: { body: playgroundBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const text = (request.body as { input?: string }).input ?? '';
    const shown = text.slice(0, MAX_PLAYGROUND_INPUT);
    try {
      const result = evaluatePlaygroundInput(services.policies.current(), parsePlaygroundText(text), services.now());
      return await sendPolicyPage(services, reply, admin, { playground: { text: shown, result } });
    } catch (error) {
      const shownError = pageError(error);
      return sendPolicyPage(services, reply, admin, { playground: { text: shown, error: shownError } }, 400);
    }
  });
}
