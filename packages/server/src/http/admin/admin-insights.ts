import { SimpleError } from '@stepwise/core';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { countFailures } from '../../storage/attempts.js';
import { challengeKeyOf } from '../../decisions/complete-challenge.js';
import { requireAdmin } from './admin-gate.js';
import { ADMIN_PAGE_SIZE, formatSeconds, pageParam } from './admin-format.js';
import { adminLayout, sendAdminPage } from './admin-layout.js';
import { answersByMethod, dayWindow, decisionsPerDay, stepUpsByRule, topRiskSignals } from './insight-chart-data.js';
import { countDecisionsPerDay, readAnswerFacts, readDecisionFacts } from './insight-chart-queries.js';
import { chartsPage } from './insight-charts-view.js';
import { DECISION_OUTCOMES, decisionStory, findDecisionChallenge, findDecisionRecord, listDecisionRecords, type DecisionOutcomeFilter } from '../../storage/decision-reads.js';
import { decisionExplorer, decisionList } from './insight-decision-views.js';

const listQuery = {
  type: 'object',
  properties: {
    subject: { type: 'string', maxLength: 256 },
    action: { type: 'string', maxLength: 256 },
    // An empty value is the form's "any".
    outcome: { type: 'string', enum: ['', ...DECISION_OUTCOMES] },
    page: pageParam,
  },
} as const;

/** `dec_` and the base64url of 16 random bytes (`newId`), with room for ids of other shapes. */
const decisionParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^dec_[A-Za-z0-9_-]+$' } },
} as const;

interface ListQuery {
  subject?: string;
  action?: string;
  outcome?: '' | DecisionOutcomeFilter;
  page?: number;
}

/**
 * Insights: `GET /admin/decisions` (recent decisions, filtered by subject,
 * action prefix and outcome, paged), `GET /admin/decisions/:id` (the
 * decision explorer) and `GET /admin/charts` (server-drawn charts of the
 * last 14 days). Read-only, behind `requireAdmin`.
 *
 * @param app - the Fastify instance
 * @param services - shared services
 * @example
 * ```ts
 * registerAdminInsightPages(app, services);
 * ```
 */
export function registerAdminInsightPages(app: FastifyInstance, services: Services): void {
  app.get('/admin/decisions', { schema: { querystring: listQuery } }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const query = request.query as ListQuery;
    const form = { subject: query.subject?.trim() ?? '', action: query.action?.trim() ?? '', outcome: query.outcome ?? '' };
    const page = query.page ?? 1;
    const { rows, more } = await listDecisionRecords(services.db, {
      ...(form.subject !== '' && { subject: form.subject }),
      ...(form.action !== '' && { action: form.action }),
      ...(form.outcome !== '' && { outcome: form.outcome }),
      page,
      pageSize: ADMIN_PAGE_SIZE,
    });
    return sendAdminPage(reply, adminLayout({ title: 'Decisions', section: 'decisions', admin: admin.username }, decisionList({ form, rows, page, more })));
  });

  app.get('/admin/decisions/:id', { schema: { params: decisionParams } }, async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const decision = await findDecisionRecord(services.db, (request.params as { id: string }).id);
    if (!decision) throw new SimpleError('ERR_NOT_FOUND', 'No such decision');
    const now = services.now();
    const challenge = decision.outcome === 'step_up' ? await findDecisionChallenge(services.db, decision.id, now) : undefined;
    const attempts = challenge && {
      used: await countFailures(services.db, challengeKeyOf(challenge.challenge.id), now, services.config.decisions.challengeTtl),
      max: services.config.stepUp.maxAttemptsPerChallenge,
    };
    const story = await decisionStory(services.db, decision, challenge?.challenge);
    return sendAdminPage(reply, adminLayout(
      { title: `Decision ${decision.id}`, section: 'decisions', admin: admin.username },
      decisionExplorer({ decision, challenge, attempts, story, detailTypes: services.config.authorizationDetails.types }),
    ));
  });

  app.get('/admin/charts', async (request, reply) => {
    const admin = await requireAdmin(request, reply, services);
    if (!admin) return reply;
    const now = services.now();
    const window = dayWindow(now);
    const [decisions, perDay, answers] = await Promise.all([
      readDecisionFacts(services.db, window.since),
      countDecisionsPerDay(services.db, window.since),
      readAnswerFacts(services.db, window.since * 1000),
    ]);
    return sendAdminPage(reply, adminLayout({ title: 'Charts', section: 'charts', admin: admin.username }, chartsPage({
      stepUpsByRule: stepUpsByRule(decisions.rows, window, decisions.truncated),
      decisionsPerDay: decisionsPerDay(perDay, window),
      answersByMethod: answersByMethod(answers.rows, window.days.length, answers.truncated),
      topRiskSignals: topRiskSignals(decisions.rows, window.days.length, decisions.truncated),
      readAt: formatSeconds(now),
    })));
  });
}
