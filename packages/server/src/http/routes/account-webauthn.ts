import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SessionState } from '../../flows/session-state.js';
import { finishWebauthnRegistration, startWebauthnRegistration, type AuthenticatorKind } from '../../flows/webauthn-registration.js';
import type { Services } from '../../services.js';
import { html } from '../html.js';
import { layout, message, type PageError } from '../pages/layout.js';
import { webauthnFields } from '../pages/webauthn-fields.js';
import { freshlySteppedUp, freshSessionForChange } from './account-session.js';
import { FORM_RATE_LIMIT, passkeyBody, sendFormAgain, sendPage } from './forms.js';

const kindQuery = {
  type: 'object',
  properties: { kind: { type: 'string', enum: ['passkey', 'security-key'] } },
} as const;

const registrationBody = {
  type: 'object',
  required: [...passkeyBody.required, 'kind'],
  properties: {
    ...passkeyBody.properties,
    kind: { type: 'string', enum: ['passkey', 'security-key'] },
    name: { type: 'string', maxLength: 64 },
  },
} as const;

const WORDS: Readonly<Record<AuthenticatorKind, { title: string; lead: string; button: string }>> = {
  passkey: {
    title: 'Add a passkey',
    lead: 'A passkey lives on this device, your phone or your password manager, and is unlocked with your fingerprint, face or screen lock. It cannot be phished.',
    button: 'Create a passkey',
  },
  'security-key': {
    title: 'Add a security key',
    lead: 'Insert or hold your security key (YubiKey, Titan, …) near the device when the browser asks, and touch it.',
    button: 'Register the security key',
  },
};

async function registrationPage(services: Services, reply: FastifyReply, state: SessionState, kind: AuthenticatorKind, error?: PageError): Promise<string> {
  const start = await startWebauthnRegistration(services, { user: state.user, kind, existing: state.credentials });
  const words = WORDS[kind];
  return layout(
    { title: words.title, username: state.user.username, webauthn: true },
    html`<h1>${words.title}</h1>
<p>${words.lead}</p>
${message('error', error)}
<form method="post" action="/account/webauthn" data-webauthn="register">
${webauthnFields(reply.generateCsrf(), start)}<input type="hidden" name="kind" value="${kind}">
<label for="name">Name it (optional)</label>
<input id="name" name="name" type="text" maxlength="64" placeholder="${kind === 'passkey' ? 'My laptop' : 'Blue YubiKey'}">
<p class="error" data-webauthn-unsupported hidden>This browser cannot create passkeys.</p>
<button type="submit">${words.button}</button>
</form>
<p><a href="/account">Cancel</a></p>`,
  );
}

/**
 * Adding passkeys and security keys on the account pages, after a fresh
 * step-up.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 */
export function registerAccountWebauthnRoutes(app: FastifyInstance, services: Services): void {
  app.get('/account/webauthn', { schema: { querystring: kindQuery } }, async (request, reply) => {
    const state = await freshlySteppedUp(request, reply, services);
    if (!state) return reply;
    return sendPage(reply, 200, await registrationPage(services, reply, state, (request.query as { kind?: AuthenticatorKind }).kind ?? 'passkey'));
  });

  app.post('/account/webauthn', { config: FORM_RATE_LIMIT, schema: { body: registrationBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const state = await freshSessionForChange(request, services);
    const body = request.body as { ceremony_id: string; response: string; kind: AuthenticatorKind; name?: string };
    try {
      await finishWebauthnRegistration(services, { user: state.user, ceremonyId: body.ceremony_id, response: body.response, kind: body.kind, name: body.name });
      return reply.redirect(`/account?done=${body.kind === 'passkey' ? 'passkey-added' : 'security-key-added'}`, 303);
    } catch (error) {
      return sendFormAgain(request, reply, error, (shown) => registrationPage(services, reply, state, body.kind, shown));
    }
  });
}
