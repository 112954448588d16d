import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { confirmContactEnrollment, startContactEnrollment } from '../../flows/contact-enrollment.js';
import type { Channel } from '../../delivery/messenger.js';
import { recordAuthentication } from '../../flows/sign-in.js';
import type { Services } from '../../services.js';
import { findFactor } from '../../storage/factors.js';
import { html } from '../html.js';
import { csrfField, layout, message, type PageError } from '../pages/layout.js';
import { signInContext } from '../session-cookie.js';
import { freshlySteppedUp, freshSessionForChange } from './account-session.js';
import { enrollBody, FORM_RATE_LIMIT, sendFormAgain, sendPage } from './forms.js';

const channelQuery = { type: 'object', properties: { channel: { type: 'string', enum: ['email', 'sms'] } } } as const;

const destinationBody = {
  type: 'object',
  required: ['channel', 'destination'],
  properties: {
    _csrf: { type: 'string', maxLength: 256 },
    channel: { type: 'string', enum: ['email', 'sms'] },
    destination: { type: 'string', minLength: 1, maxLength: 320 },
  },
} as const;

const WORDS: Readonly<Record<Channel, { title: string; label: string; type: string; autocomplete: string }>> = {
  email: { title: 'Add an email address', label: 'Email address', type: 'email', autocomplete: 'email' },
  sms: { title: 'Add a phone number', label: 'Mobile number, with country code (+44 7700 900123)', type: 'tel', autocomplete: 'tel' },
};

interface ContactForm {
  readonly channel: Channel;
  readonly username: string;
  readonly csrfToken: string;
  readonly error?: PageError | undefined;
  /** After a code was sent: the pending factor and where it went. */
  readonly sent?: { readonly factorId: string; readonly masked: string } | undefined;
}

function contactPage(form: ContactForm): string {
  const words = WORDS[form.channel];
  return layout(
    { title: words.title, username: form.username },
    html`<h1>${words.title}</h1>
${message('error', form.error)}
${form.sent
  ? html`<p class="notice" role="status">We sent a code to ${form.sent.masked}.</p>
<form method="post" action="/account/contacts/confirm">${csrfField(form.csrfToken)}<input type="hidden" name="factor_id" value="${form.sent.factorId}">
<label for="code">Code</label><input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="12" required autofocus>
<button type="submit">Confirm</button></form>`
  : html`<form method="post" action="/account/contacts">${csrfField(form.csrfToken)}<input type="hidden" name="channel" value="${form.channel}">
<label for="destination">${words.label}</label><input id="destination" name="destination" type="${words.type}" autocomplete="${words.autocomplete}" maxlength="320" required autofocus>
<button type="submit">Send a code</button></form>`}
<p><a href="/account">Cancel</a></p>`,
  );
}

/**
 * Adding an email address or phone number that codes can be sent to: a
 * fresh step-up, then a code sent there proves it is the user's.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 */
export function registerAccountContactRoutes(app: FastifyInstance, services: Services): void {
  function refuse(request: FastifyRequest, reply: FastifyReply, error: unknown, form: Omit<ContactForm, 'error' | 'csrfToken'>) {
    return sendFormAgain(request, reply, error, (shown) => contactPage({ ...form, csrfToken: reply.generateCsrf(), error: shown }));
  }

  app.get('/account/contacts', { schema: { querystring: channelQuery } }, async (request, reply) => {
    const state = await freshlySteppedUp(request, reply, services);
    if (!state) return reply;
    const channel = (request.query as { channel?: Channel }).channel ?? 'email';
    return sendPage(reply, 200, contactPage({ channel, username: state.user.username, csrfToken: reply.generateCsrf() }));
  });

  app.post('/account/contacts', { config: FORM_RATE_LIMIT, schema: { body: destinationBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const state = await freshSessionForChange(request, services);
    const { channel, destination } = request.body as { channel: Channel; destination: string };
    try {
      const sent = await startContactEnrollment(services, { user: state.user, channel, destination });
      return sendPage(reply, 200, contactPage({
        channel, username: state.user.username, csrfToken: reply.generateCsrf(), sent: { factorId: sent.factorId, masked: sent.maskedDestination },
      }));
    } catch (error) {
      return refuse(request, reply, error, { channel, username: state.user.username });
    }
  });

  app.post('/account/contacts/confirm', { config: FORM_RATE_LIMIT, schema: { body: enrollBody }, preHandler: app.csrfProtection }, async (request, reply) => {
    const state = await freshSessionForChange(request, services);
    const { code, factor_id: factorId } = request.body as { code: string; factor_id: string };
    const factor = await findFactor(services.db, factorId);
    const channel: Channel = factor?.method === 'sms_otp' ? 'sms' : 'email';
    try {
      const event = await confirmContactEnrollment(services, { user: state.user, factorId, code });
      await recordAuthentication(services, { user: state.user, event, sessionId: state.session.id, context: signInContext(request) });
      return reply.redirect('/account?done=contact-added', 303);
    } catch (error) {
      const sent = factor && factor.userId === state.user.id && factor.destination ? { factorId, masked: factor.name } : undefined;
      return refuse(request, reply, error, { channel, username: state.user.username, sent });
    }
  });
}
