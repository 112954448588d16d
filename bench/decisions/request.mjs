// The decision request the decision benchmark sends, shared by the
// benchmark and the servers it starts.

export const ROUTE = '/v1/decisions';

/** The transfer decided on: a small one, so the policy asks for aal1 only. */
export const ACTION = 'transfer.create';
export const RESOURCE = Object.freeze({ amount: 50, currency: 'EUR', payee: 'ACME' });
/**
 * When the user acted: noon UTC of the last day whose noon has passed. The
 * bench policy's rule `night-sensitive` asks for aal2 between 23:00 and
 * 06:00 UTC, so the server's clock would otherwise change the answer with
 * the hour the benchmark runs at.
 */
const NOON = (() => {
  const noon = new Date();
  noon.setUTCHours(12, 0, 0, 0);
  if (noon.getTime() > Date.now()) noon.setUTCDate(noon.getUTCDate() - 1);
  return noon.toISOString().replace('.000Z', 'Z');
})();
export const CONTEXT = Object.freeze({ ip: '203.0.113.7', user_agent: 'bench', device_id: 'dev-1', time: NOON });

/**
 * The JSON body: with `token`, the user's aal1 token proves the requirement
 * (allow); without, Stepwise opens a challenge (step_up).
 *
 * @param {string} subject - the user's id
 * @param {string} [token] - a Stepwise-signed token with acr, amr, auth_time
 */
export function decisionBody(subject, token) {
  return JSON.stringify({ subject, action: ACTION, resource: RESOURCE, context: CONTEXT, ...(token ? { token } : {}) });
}
