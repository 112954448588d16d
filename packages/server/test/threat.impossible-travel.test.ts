// Threat: an attacker who has alice's session cookie or token (stolen from
// her laptop, phished through a proxy) uses it from another continent an
// hour after she signed in from home, from a browser Stepwise has never
// seen. The risk engine must see, from the history her real sign-in left,
// that the request is far from where she was, in a new country, on a new
// device, and score it high; while alice herself, back on her laptop at
// home, is low. It must also refuse a device cookie the attacker wrote
// himself to pass as her known device.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formOf } from './support/browser.js';
import { startTestServer, type TestServer } from './support/harness.js';
import { DEMO, userIdOf } from './support/threat-kit.js';
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE } from '../src/http/device-cookie.js';
import { listSignIns } from '../src/storage/sign-in-history.js';

const HOME = '8.8.8.8'; // the United States, in the shipped database
const FAR = '139.130.4.5'; // Australia (Telstra)

/** Signs in with the password through the real routes, from `ip`, with the cookies given; returns the cookies set. */
async function signInFrom(server: TestServer, ip: string, cookies: Record<string, string> = {}): Promise<Record<string, { value: string; header: string }>> {
  const app = server.server.app;
  const jar = { ...cookies };
  const remember = (headers: string | string[] | number | undefined) => {
    const set: Record<string, { value: string; header: string }> = {};
    for (const header of [headers ?? []].flat().map(String)) {
      const [pair = ''] = header.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = decodeURIComponent(pair.slice(pair.indexOf('=') + 1));
      jar[name] = value;
      set[name] = { value, header };
    }
    return set;
  };
  const page = await app.inject({ method: 'GET', url: '/login?return_to=/account', remoteAddress: ip, cookies: jar });
  remember(page.headers['set-cookie']);
  const { fields } = formOf({ url: `${server.issuer}/login`, status: page.statusCode, body: page.body }, '/login');
  const answer = await app.inject({
    method: 'POST', url: '/login?return_to=/account', remoteAddress: ip, cookies: jar,
    payload: new URLSearchParams({ ...fields, ...DEMO }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(answer.statusCode, 303, answer.body.slice(0, 500));
  return remember(answer.headers['set-cookie']);
}

describe('a stolen session used from another continent', () => {
  let server: TestServer;
  let userId: string;
  let laptopCookie: string;
  let laptopId: string;

  before(async () => {
    server = await startTestServer();
    userId = await userIdOf(server, DEMO.username);
    const set = await signInFrom(server, HOME);
    const device = set[DEVICE_COOKIE];
    assert.ok(device, 'a sign-in issues the device cookie');
    laptopCookie = device.value;
    laptopId = laptopCookie.slice(0, laptopCookie.indexOf('.'));
  });
  after(() => server.destroy());

  test('the sign-in issued a signed, HttpOnly, SameSite=Lax device cookie for 400 days and learned where it came from', async () => {
    const set = await signInFrom(server, HOME, { [DEVICE_COOKIE]: laptopCookie });
    const header = set[DEVICE_COOKIE]?.header ?? '';
    assert.equal(set[DEVICE_COOKIE]?.value, laptopCookie, 'the same device keeps its id; the cookie is renewed');
    assert.match(header, /HttpOnly/);
    assert.match(header, /SameSite=Lax/);
    assert.match(header, new RegExp(`Max-Age=${DEVICE_COOKIE_MAX_AGE}`));
    const [latest] = await listSignIns(server.server.database.db, userId);
    assert.deepEqual({ ip: latest?.ip, country: latest?.country, deviceId: latest?.deviceId }, { ip: HOME, country: 'US', deviceId: laptopId });
  });

  test('an hour later, from Australia on an unknown browser: impossible travel, new country, new device, high', async () => {
    const now = server.server.services.now() + 3600;
    const risk = await server.server.services.risk.assess({ userId, ip: FAR, time: now });
    assert.deepEqual(risk.signals.map((signal) => signal.code), ['new_device', 'new_country', 'impossible_travel']);
    assert.equal(risk.level, 'high');
    const travel = risk.signals.find((signal) => signal.code === 'impossible_travel')!.evidence as { from: { country: string }; to: { country: string }; speed_kmh: number };
    assert.deepEqual([travel.from.country, travel.to.country], ['US', 'AU']);
    assert.ok(travel.speed_kmh > 10_000);
  });

  test('alice at home on her laptop: low', async () => {
    const risk = await server.server.services.risk.assess({ userId, ip: HOME, deviceId: laptopId, time: server.server.services.now() + 3600 });
    assert.deepEqual([risk.level, risk.signals], ['low', []]);
  });

  test('a device cookie written by the attacker with her device id is refused, and a new id is issued', async () => {
    const forged = `${laptopId}.k1:${'A'.repeat(43)}`;
    const set = await signInFrom(server, FAR, { [DEVICE_COOKIE]: forged });
    const issued = set[DEVICE_COOKIE]?.value ?? '';
    assert.notEqual(issued.slice(0, issued.indexOf('.')), laptopId);
    // Sign-ins of the same second come in no set order (PostgreSQL keeps none): pick his by its address.
    const fromFar = (await listSignIns(server.server.database.db, userId)).filter((entry) => entry.ip === FAR);
    assert.equal(fromFar.length, 1);
    assert.notEqual(fromFar[0]?.deviceId, laptopId);
    assert.equal(fromFar[0]?.country, 'AU');
  });
});
