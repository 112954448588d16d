import '@fastify/cookie';
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { keyedHash, matchesKeyedHash } from '../crypto/keyed-hash.js';
import type { Services } from '../services.js';

/*
 * A long-lived, signed, random device id: how `new_device` recognises a
 * browser. It identifies nothing but itself (no fingerprinting) and proves
 * nothing on its own: a copied cookie is as good as the original, so it may
 * only lower suspicion, never stand in for a factor. The HMAC stops anyone
 * from choosing an id (say, another user's known device) without the
 * server's secret keys. Its key is derived from them like the other keyed
 * hashes (crypto/keyed-hash.ts), and a cookie stays valid through a rotation
 * while the key that signed it is still configured.
 */

/** The device cookie's name. */
export const DEVICE_COOKIE = 'stepwise_device';

/** 400 days, the longest lifetime browsers keep a cookie for. */
export const DEVICE_COOKIE_MAX_AGE = 400 * 24 * 60 * 60;

const PURPOSE = 'device cookie';
const DEVICE_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * The device id in a cookie value, if its signature holds.
 *
 * @param services - shared services (the secret keys)
 * @param value - `<id>.<key id>:<HMAC>`
 * @example
 * ```ts
 * deviceIdOf(services, request.cookies.stepwise_device) // 'rL0Y20zC-Fzt72VPzMSk2A' or undefined
 * ```
 */
export function deviceIdOf(services: Services, value: string | undefined): string | undefined {
  if (!value || value.length > 200) return undefined;
  const dot = value.indexOf('.');
  const id = value.slice(0, dot);
  if (dot < 0 || !DEVICE_ID.test(id)) return undefined;
  return matchesKeyedHash(services.secretKeys, PURPOSE, id, value.slice(dot + 1)) ? id : undefined;
}

/**
 * The device id of this request's `stepwise_device` cookie, if it has a valid one.
 *
 * @param request - the request
 * @param services - shared services
 * @example
 * ```ts
 * const deviceId = readDeviceId(request, services);
 * ```
 */
export function readDeviceId(request: FastifyRequest, services: Services): string | undefined {
  return deviceIdOf(services, request.cookies[DEVICE_COOKIE]);
}

/**
 * Sets the device cookie: HttpOnly, SameSite=Lax, Secure whenever the
 * issuer allows it, for 400 days. Setting it again with the same id renews
 * its lifetime.
 *
 * @param reply - the reply
 * @param services - shared services
 * @param deviceId - the id to keep; a new random one (128 bits) when absent
 * @returns the device id
 * @example
 * ```ts
 * const deviceId = issueDeviceCookie(reply, services);
 * ```
 */
export function issueDeviceCookie(reply: FastifyReply, services: Services, deviceId = randomBytes(16).toString('base64url')): string {
  reply.setCookie(DEVICE_COOKIE, `${deviceId}.${keyedHash(services.secretKeys, PURPOSE, deviceId)}`, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: services.config.cookieSecure,
    maxAge: DEVICE_COOKIE_MAX_AGE,
  });
  return deviceId;
}

/**
 * The request's device id, issuing a new cookie when it has none (or a
 * forged one) and renewing the existing one otherwise.
 *
 * @param request - the request
 * @param reply - the reply
 * @param services - shared services
 * @returns the device id
 * @example
 * ```ts
 * await services.risk.recordSignIn({ userId, deviceId: ensureDeviceId(request, reply, services), time: now, succeeded: true });
 * ```
 */
export function ensureDeviceId(request: FastifyRequest, reply: FastifyReply, services: Services): string {
  return issueDeviceCookie(reply, services, readDeviceId(request, services));
}
