// One measurement of one step-up target: every request differs (its own
// challenge or pending sign-in, its own code), so each is drawn from the
// target's supply, prepared before the measurement and outside its window,
// through autocannon's per-request `setupRequest`; every answer is checked
// (`onResponse`) and a sample of them verified in full afterwards. The same
// loop runs every target.

import { measure } from '../lib/measure.mjs';

/**
 * What the load generator needs of a target: its supply of prepared
 * requests, how to send one, how to check an answer.
 * @typedef {{
 *   path: (item: object) => string,
 *   request: (item: object) => { headers: Record<string, string>, body: string },
 *   prepare: (count: number) => Promise<void>,
 *   available: () => number,
 *   draw: () => object | undefined,
 *   answered: (text: string, headers: Record<string, string | string[]>) => boolean,
 *   verifyAnswer: (item: object, text: string) => Promise<void>,
 *   check: () => Promise<string[]>,
 * }} Target
 *   prepare: opens `count` more items (challenges, pending sign-ins); draw:
 *   the next usable item, undefined when none is; answered: the cheap check
 *   of every answer; verifyAnswer: the full one (signatures) of a sample;
 *   check: a completion checked in full and the refusals around it, as
 *   failure messages
 */

// autocannon notices a stop at its next one-second sample: the supply must
// last that long past the moment it is found short.
const STOP_DELAY_SECONDS = 1.2;
/**
 * How much more than the estimated rate a supply holds: a supply found short
 * costs a measurement taken again, items left over serve the next round.
 */
export const SUPPLY_MARGIN = 1.3;
const ATTEMPTS = 3;
const SAMPLE = 32;

/**
 * The items a supply keeps back: once it is down to these, the run stops
 * (autocannon takes up to a second to notice) and is taken again.
 *
 * @param {number} rate - the expected requests/s
 * @param {number} connections - requests in flight
 */
export function reserveFor(rate, connections) {
  return Math.ceil(rate * STOP_DELAY_SECONDS) + connections;
}

/**
 * Measures a target, preparing its supply first. A supply found short
 * (the rate beat the estimate) stops the run early and the measurement is
 * taken again with a supply sized on the rate seen.
 *
 * @param {{ label: string, target: Target, url: string, serverPid: number, estimate: number, options: { durationSeconds: number, warmupSeconds: number, connections: number } }} spec
 *   estimate: the expected requests/s, to size the supply
 * @returns {Promise<{ figures: import('../lib/paired.mjs').Figures, prepared: number }>} prepared: items prepared for this measurement
 */
export async function measureSupplied({ label, target, url, serverPid, estimate, options }) {
  const { durationSeconds, warmupSeconds, connections } = options;
  let rate = estimate;
  let prepared = 0;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    const reserve = reserveFor(rate, connections);
    const needed = Math.ceil(rate * (warmupSeconds + durationSeconds) * SUPPLY_MARGIN) + reserve;
    if (target.available() < needed) {
      const count = needed - target.available();
      const started = Date.now();
      await target.prepare(count);
      prepared += count;
      process.stdout.write(` (${count} prepared in ${((Date.now() - started) / 1000).toFixed(1)} s) …`);
    }
    const run = await runOnce({ label, target, url, serverPid, reserve, options: { durationSeconds, warmupSeconds, connections } });
    if (!run.short) return { figures: run.figures, prepared };
    rate = Math.max(rate * 2, run.drawRate * SUPPLY_MARGIN);
    process.stdout.write(` (supply ran short; again, sized for ${Math.round(rate)} req/s) …`);
  }
  throw new Error(`${label}: the supply ran short ${ATTEMPTS} times`);
}

async function runOnce({ label, target, url, serverPid, reserve, options }) {
  const controller = new AbortController();
  let short = false;
  let spent = false;
  let last;
  let wrong = 0;
  let firstWrong;
  let drawn = 0;
  const started = Date.now();
  const sample = [];
  const requests = [{
    method: 'POST',
    setupRequest: (request, context) => {
      if (!short && target.available() <= reserve) {
        short = true;
        controller.abort();
      }
      const item = target.draw();
      drawn += 1;
      if (item === undefined) {
        // Items left but none usable now: users whose code of this step is spent.
        spent = target.available() > 0;
        short = true;
        controller.abort();
      }
      // A run found short is thrown away: resending the last item only keeps autocannon going until it stops.
      last = item ?? last;
      if (last === undefined) throw new Error(`${label}: no item to send at the start; seed more users`);
      context.item = last;
      const { headers, body } = target.request(last);
      return { ...request, path: target.path(last), headers: { ...request.headers, ...headers }, body };
    },
    onResponse: (status, body, context, headers) => {
      if (status === 200 && target.answered(body, headers)) {
        if (sample.length < SAMPLE) sample.push({ item: context.item, body });
      } else if (!short) {
        wrong += 1;
        firstWrong ??= `${status} ${body.slice(0, 300)}`;
      }
    },
  }];
  let figures;
  try {
    figures = await measure({ label, url, serverPid, method: 'POST', headers: {}, requests, signal: controller.signal, expectStatus: 200, ...options });
  } catch (error) {
    if (!short) throw error;
  }
  if (spent) throw new Error(`${label}: every user with a pending item has spent this TOTP step; seed more users`);
  if (short) return { short, drawRate: drawn / ((Date.now() - started) / 1000) };
  if (wrong > 0) throw new Error(`${label}: ${wrong} answers were not the success answer; the first: ${firstWrong}`);
  for (const { item, body } of sample) await target.verifyAnswer(item, body);
  return { short, figures };
}
