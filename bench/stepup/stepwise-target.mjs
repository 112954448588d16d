// The Stepwise row of the step-up benchmark: what is prepared before a
// measurement (challenges opened at the server's start-up, topped up
// through the decision API, `POST /v1/decisions` with the user's aal1
// token, each answered step_up aal2),
// the measured request (`POST /v1/challenges/:id/verify` with the user's
// TOTP code, which checks the code, satisfies the challenge and answers
// with the signed receipt) and the checks of its answers.

import { createLocalJWKSet, jwtVerify } from 'jose';
import { totpCodeAt } from '../../packages/server/dist/src/index.js';
import { TOTP_PERIOD_SECONDS } from '../../packages/server/dist/src/factors/totp.js';
import { inParallel, send } from '../lib/http.mjs';
import { STEP_UP_ACTION, stepUpDecisionBody } from './stepwise-server.mjs';

const PREPARE_CONCURRENCY = 32;
const RECEIPT_TYPE = 'stepwise-receipt+jwt';

const stepOf = (ms) => Math.floor(ms / 1000 / TOTP_PERIOD_SECONDS);

/**
 * The Stepwise target over a started server.
 *
 * @param {{ url: string, setup: { apiKey: string, users: Array<{ id: string, secret: string, token: string, pending: string[] }> } }} server
 * @returns {Promise<import('./load.mjs').Target>}
 */
export async function stepwiseTarget({ url, setup }) {
  const discovery = (await send(`${url}/.well-known/openid-configuration`, { method: 'GET' })).json;
  const jwks = (await send(url + new URL(discovery.jwks_uri).pathname, { method: 'GET' })).json;
  const keySet = createLocalJWKSet(jwks);
  const apiHeaders = { authorization: `Bearer ${setup.apiKey}`, 'content-type': 'application/json' };
  // lastStep: the TOTP step of the user's last code sent; Stepwise refuses any step not after it.
  const users = setup.users.map((user) => ({ ...user, pending: [...user.pending], lastStep: -Infinity }));
  let opened = users.reduce((sum, user) => sum + user.pending.length, 0);
  let drawn = 0;
  let prepareCursor = 0;
  let drawCursor = 0;

  async function openChallenge(user) {
    const body = JSON.stringify(stepUpDecisionBody(user));
    const { status, json, text } = await send(`${url}/v1/decisions`, { headers: apiHeaders, body });
    if (status !== 200 || json?.decision !== 'step_up' || json.requirement?.acr !== 'aal2' || typeof json.challenge?.id !== 'string') {
      throw new Error(`stepwise: a decision for ${user.id} was to answer step_up aal2 with a challenge, got ${status} ${text}`);
    }
    return json.challenge.id;
  }

  // A user whose last code is of this step still has the next step's code:
  // Stepwise accepts one step of drift, and only steps after the last used.
  function takeStep(user, step) {
    if (user.lastStep > step) return false;
    user.lastStep = user.lastStep < step ? step : step + 1;
    return true;
  }

  // A user with a code left for the checks; after a fast measurement every
  // user may have spent both codes of this step, so wait for the next one.
  async function checkUser() {
    for (;;) {
      const step = stepOf(Date.now());
      const user = users.find((candidate) => takeStep(candidate, step));
      if (user) return user;
      await new Promise((resolve) => setTimeout(resolve, (step + 1) * TOTP_PERIOD_SECONDS * 1000 - Date.now() + 50));
    }
  }

  function draw() {
    const step = stepOf(Date.now());
    for (let scanned = 0; scanned < users.length; scanned += 1) {
      const user = users[drawCursor];
      drawCursor = (drawCursor + 1) % users.length;
      if (user.pending.length === 0 || !takeStep(user, step)) continue;
      drawn += 1;
      return { user, challengeId: user.pending.shift(), code: totpCodeAt(user.secret, user.lastStep * TOTP_PERIOD_SECONDS * 1000) };
    }
    return undefined;
  }

  async function verifyReceipt(item, json) {
    const { payload, protectedHeader } = await jwtVerify(json.receipt, keySet, { issuer: discovery.issuer, audience: 'stepup-backend', typ: RECEIPT_TYPE });
    const amr = new Set(payload.amr);
    const ok = protectedHeader.alg === 'ES256' && payload.challenge_id === item.challengeId && payload.sub === item.user.id &&
      payload.acr === 'aal2' && amr.has('pwd') && amr.has('otp') && payload.action === STEP_UP_ACTION && json.id === item.challengeId;
    if (!ok) throw new Error(`stepwise: the receipt for ${item.challengeId} does not say what it must: ${JSON.stringify({ protectedHeader, payload })}`);
  }

  return {
    path: (item) => `/v1/challenges/${item.challengeId}/verify`,
    request: (item) => ({ headers: apiHeaders, body: JSON.stringify({ method: 'totp', code: item.code }) }),
    async prepare(count) {
      await inParallel(count, PREPARE_CONCURRENCY, async () => {
        const user = users[prepareCursor];
        prepareCursor = (prepareCursor + 1) % users.length;
        user.pending.push(await openChallenge(user));
        opened += 1;
      });
    },
    available: () => opened - drawn,
    draw,
    answered: (text) => text.includes('"requirement_met":true') && text.includes('"state":"satisfied"'),
    verifyAnswer: (item, text) => verifyReceipt(item, JSON.parse(text)),
    async check() {
      const failures = [];
      // One opened through the decision API over HTTP, as a backend would.
      const user = await checkUser();
      const item = { user, challengeId: await openChallenge(user), code: totpCodeAt(user.secret, user.lastStep * TOTP_PERIOD_SECONDS * 1000) };
      const answer = await send(`${url}${this.path(item)}`, this.request(item));
      if (answer.status !== 200 || answer.json?.requirement_met !== true || answer.json.state !== 'satisfied') failures.push(`completion: expected 200 satisfied, got ${answer.status} ${answer.text}`);
      else await verifyReceipt(item, answer.json);
      const read = await send(`${url}/v1/challenges/${item.challengeId}`, { method: 'GET', headers: apiHeaders });
      if (read.json?.state !== 'satisfied' || read.json.receipt !== answer.json?.receipt) failures.push(`GET the challenge: expected it satisfied with the same receipt, got ${read.status} ${read.text}`);
      const again = await send(`${url}${this.path(item)}`, this.request(item));
      if (again.status !== 409) failures.push(`the same challenge again: expected 409, got ${again.status} ${again.text}`);
      // The same code for another challenge of the same user: a replay.
      const other = await openChallenge(item.user);
      const replay = await send(`${url}/v1/challenges/${other}/verify`, this.request(item));
      if (replay.status !== 400 || !replay.text.includes('ERR_CODE_REUSED')) failures.push(`the same code for another challenge: expected 400 ERR_CODE_REUSED, got ${replay.status} ${replay.text}`);
      const wrongKey = await send(`${url}/v1/challenges/${other}/verify`, { ...this.request(item), headers: { ...apiHeaders, authorization: `Bearer ${setup.apiKey.slice(0, -4)}AAAA` } });
      if (wrongKey.status !== 401) failures.push(`a wrong API key: expected 401, got ${wrongKey.status} ${wrongKey.text}`);
      return failures;
    },
  };
}
