// TOTP (RFC 6238). An attacker submits codes from outside the ±1 step
// window, malformed codes, or codes padded to confuse the parser; only a
// code from the window may match, and the step returned lets callers refuse
// a replay of the same code.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formatSecretForTyping,
  generateTotpSecret,
  matchTotp,
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  TOTP_WINDOW,
  totpCodeAt,
  totpQrSvg,
  totpUri,
} from '../src/factors/totp.js';

// RFC 6238 appendix B, SHA-1 seed: ASCII "12345678901234567890".
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const seconds = (value: number): number => value * 1000;

void describe('TOTP', () => {
  void test('constants', () => {
    assert.deepEqual([TOTP_PERIOD_SECONDS, TOTP_DIGITS, TOTP_WINDOW], [30, 6, 1]);
  });

  void test('RFC 6238 SHA-1 vectors, last 6 digits', () => {
    assert.equal(Buffer.from('12345678901234567890').length, 20);
    const vectors: Array<[number, string]> = [
      [59, '287082'],
      [1111111109, '081804'],
      [1111111111, '050471'],
      [1234567890, '005924'],
      [2000000000, '279037'],
      [20000000000, '353130'],
    ];
    for (const [time, code] of vectors) assert.equal(totpCodeAt(RFC_SECRET, seconds(time)), code, `at ${time}`);
  });

  void test('returns the step of the code, within ±1 step', () => {
    const now = seconds(1111111109);
    const step = Math.floor(1111111109 / 30);
    assert.equal(matchTotp(RFC_SECRET, '081804', now), step);
    assert.equal(matchTotp(RFC_SECRET, totpCodeAt(RFC_SECRET, now - seconds(30)), now), step - 1);
    assert.equal(matchTotp(RFC_SECRET, totpCodeAt(RFC_SECRET, now + seconds(30)), now), step + 1);
  });

  void test('codes two steps away are refused', () => {
    const now = seconds(1111111109);
    assert.equal(matchTotp(RFC_SECRET, totpCodeAt(RFC_SECRET, now - seconds(60)), now), null);
    assert.equal(matchTotp(RFC_SECRET, totpCodeAt(RFC_SECRET, now + seconds(60)), now), null);
  });

  void test('spaces are stripped; anything else malformed is null', () => {
    const now = seconds(59);
    assert.equal(matchTotp(RFC_SECRET, ' 287 082 ', now), 1);
    for (const bad of ['', '28708', '2870820', '28708a', '287-082', '94287082', '２８７０８２', '+87082', '287082\0']) {
      assert.equal(matchTotp(RFC_SECRET, bad, now), null, JSON.stringify(bad));
    }
  });

  void test('a wrong code is refused', () => {
    const code = totpCodeAt(RFC_SECRET, seconds(59));
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    assert.equal(matchTotp(RFC_SECRET, wrong, seconds(59)), null);
  });

  void test('secrets are 20 random bytes in base32', () => {
    const secret = generateTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.notEqual(secret, generateTotpSecret());
    const now = Date.now();
    assert.equal(matchTotp(secret, totpCodeAt(secret, now), now), Math.floor(now / 30_000));
  });

  void test('key URI and QR code', async () => {
    const uri = totpUri({ secret: RFC_SECRET, issuer: 'Acme Bank', account: 'alice@example.com' });
    const url = new URL(uri);
    assert.equal(url.protocol, 'otpauth:');
    assert.ok(uri.startsWith('otpauth://totp/Acme%20Bank:alice%40example.com?'));
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      secret: RFC_SECRET,
      issuer: 'Acme Bank',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
    const svg = await totpQrSvg(uri);
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.doesNotMatch(svg, /<script/i);
  });

  void test('formatSecretForTyping groups by four', () => {
    assert.equal(formatSecretForTyping(RFC_SECRET), 'GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
    assert.equal(formatSecretForTyping('ABCDEF'), 'ABCD EF');
    assert.equal(formatSecretForTyping(''), '');
  });
});
