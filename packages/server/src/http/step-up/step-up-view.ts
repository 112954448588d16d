import type { EnrolledAuthenticator, MethodId } from '@stepwise/core';
import type { FastifyReply } from 'fastify';
import { channelOf, maskDestination } from '../../flows/one-time-codes.js';
import type { SessionState } from '../../flows/session-state.js';
import { startWebauthnAuthentication } from '../../flows/webauthn-authentication.js';
import type { Services } from '../../services.js';
import { renderStepUpPage, type CodeDestination } from '../pages/step-up-page.js';
import { applyRetryAfter } from '../errors.js';
import { sendPage } from '../routes/forms.js';
import type { Shown } from './answers.js';
import type { SafeHtml } from '../html.js';

/** What to show on a step-up page. */
export interface StepUpView {
  readonly state: SessionState;
  /** The authenticators that can help (from `nextStep` / `resolveAssurance`). */
  readonly authenticators: readonly EnrolledAuthenticator[];
  readonly offered: readonly MethodId[];
  readonly selected: MethodId;
  readonly base: string;
  readonly query: string;
  readonly reason: string;
  readonly cancelUrl?: string | undefined;
  /** The transaction being approved, shown above the form. */
  readonly transaction?: SafeHtml | undefined;
}

function destinationsOf(view: StepUpView): CodeDestination[] {
  const usable = new Set(view.authenticators.map((authenticator) => authenticator.authenticatorId));
  const destinations: CodeDestination[] = [];
  for (const factor of view.state.factors) {
    const channel = channelOf(factor.method);
    if (!channel || !usable.has(factor.id) || factor.destination === null) continue;
    destinations.push({ factorId: factor.id, method: factor.method as CodeDestination['method'], masked: maskDestination(channel, factor.destination) });
  }
  return destinations;
}

/**
 * Renders and sends the step-up page for the selected method: a fresh
 * WebAuthn ceremony limited to the credentials that can meet the
 * requirement (a synced passkey is not offered for aal3), or the masked
 * addresses and numbers a code can be sent to.
 *
 * @param services - shared services
 * @param reply - the reply (CSRF token, status, headers)
 * @param view - methods, selection and wording
 * @param shown - the error or notice to show
 */
export async function sendStepUpPage(services: Services, reply: FastifyReply, view: StepUpView, shown: Shown): Promise<FastifyReply> {
  const usable = new Set(view.authenticators.map((authenticator) => authenticator.authenticatorId));
  const webauthn = view.selected === 'webauthn'
    ? await startWebauthnAuthentication(services, {
        user: view.state.user,
        credentials: view.state.credentials.filter((credential) => usable.has(credential.factorId)),
      })
    : undefined;
  applyRetryAfter(reply, shown.cause);
  return sendPage(reply, shown.status ?? 200, renderStepUpPage({
    base: view.base,
    query: view.query,
    csrfToken: reply.generateCsrf(),
    username: view.state.user.username,
    reason: view.reason,
    offered: view.offered,
    selected: view.selected,
    error: shown.error,
    notice: shown.notice,
    cancelUrl: view.cancelUrl,
    webauthn,
    destinations: destinationsOf(view),
    transaction: view.transaction,
  }));
}
