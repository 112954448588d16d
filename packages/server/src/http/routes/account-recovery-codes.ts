import type { FastifyInstance } from 'fastify';
import { generateRecoveryCodes } from '../../flows/recovery-codes.js';
import type { Services } from '../../services.js';
import { html } from '../html.js';
import { csrfField, layout } from '../pages/layout.js';
import { freshlySteppedUp, freshSessionForChange } from './account-session.js';
import { FORM_RATE_LIMIT, sendPage } from './forms.js';

/**
 * Recovery codes on the account pages: generating a new set (which
 * replaces the old one) needs a fresh step-up; the codes are shown once.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 */
export function registerAccountRecoveryRoutes(app: FastifyInstance, services: Services): void {
  app.get('/account/recovery-codes', async (request, reply) => {
    const state = await freshlySteppedUp(request, reply, services);
    if (!state) return reply;
    return sendPage(reply, 200, layout(
      { title: 'Recovery codes', username: state.user.username },
      html`<h1>Recovery codes</h1>
<p>Ten codes, each usable once, for when you cannot use your other sign-in methods. Generating new codes makes any earlier ones stop working.</p>
<form method="post" action="/account/recovery-codes">${csrfField(reply.generateCsrf())}<button type="submit">Generate new codes</button></form>
<p><a href="/account">Cancel</a></p>`,
    ));
  });

  app.post('/account/recovery-codes', { config: FORM_RATE_LIMIT, preHandler: app.csrfProtection }, async (request, reply) => {
    const state = await freshSessionForChange(request, services);
    const codes = await generateRecoveryCodes(services, state.user);
    return sendPage(reply, 200, layout(
      { title: 'Your recovery codes', username: state.user.username },
      html`<h1>Your recovery codes</h1>
<p class="notice" role="status">Save these now: print them or keep them in your password manager. They will not be shown again.</p>
<ol class="codes" data-recovery-codes>${codes.map((code) => html`<li><code>${code}</code></li>`)}</ol>
<p><a class="button" href="/account">I have saved them</a></p>`,
    ));
  });
}
