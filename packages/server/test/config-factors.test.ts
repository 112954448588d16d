// Configuration of the factors beyond TOTP. A WebAuthn Relying Party ID that
// browsers would refuse must stop the server at start-up with the key named,
// not fail at the first passkey; mail and SMS settings are checked the same way.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConfigError } from '@stepwise/core';
import { assertConfigError, load } from './support/config-kit.js';

void describe('webauthn configuration', () => {
  void test('the RP ID defaults to the issuer host and the origins to the issuer origin', () => {
    const config = load('issuer: https://login.example.com');
    assert.deepEqual(config.webauthn, { rpId: 'login.example.com', rpName: 'Stepwise', origins: ['https://login.example.com'] });
  });

  void test('a parent domain serves several origins', () => {
    const config = load('issuer: https://login.example.com\nwebauthn:\n  rp_id: example.com\n  rp_name: Acme\n  origins: [https://app.example.com/]');
    assert.deepEqual(config.webauthn, {
      rpId: 'example.com',
      rpName: 'Acme',
      origins: ['https://login.example.com', 'https://app.example.com'],
    });
  });

  void test('an issuer browsers refuse for WebAuthn turns passkeys off unless configured', () => {
    assert.equal(load('issuer: http://127.0.0.1:3000').webauthn.rpId, null);
    assert.equal(load('issuer: http://auth.internal:3000').webauthn.rpId, null);
    assert.equal(load('issuer: http://localhost:3000').webauthn.rpId, 'localhost');
  });

  void test('a mismatch is a start-up error naming the key', () => {
    assertConfigError(() => load('issuer: https://login.example.com\nwebauthn: { rp_id: other.com }'), 'webauthn.rp_id', /"other.com" is neither the host of https:\/\/login.example.com nor a parent domain/);
    assertConfigError(() => load('issuer: https://login.example.com\nwebauthn: { origins: [https://evil.test] }'), 'webauthn.origins', /neither the host of https:\/\/evil.test/);
    assertConfigError(() => load('issuer: https://login.example.com\nwebauthn: { rp_id: example.com, origins: [http://app.example.com] }'), 'webauthn.origins', /is not https/);
    assertConfigError(() => load('issuer: http://127.0.0.1:3000\nwebauthn: { rp_id: 127.0.0.1 }'), 'webauthn.rp_id', /not an IP address/);
    assertConfigError(() => load('webauthn: { origins: [https://x.example.com/path] }'), 'webauthn.origins[0]', /must be an origin/);
    assertConfigError(() => load(undefined, { STEPWISE_WEBAUTHN_RP_ID: 'example.org' }), 'STEPWISE_WEBAUTHN_RP_ID', /neither the host/);
  });
});

void describe('codes, email and SMS configuration', () => {
  void test('SMTP and SMS from the file; the outbox follows demo mode', () => {
    const config = load([
      'demo: true',
      'email:',
      '  from: Acme <auth@acme.test>',
      '  smtp: { host: smtp.acme.test, secure: true, user: mailer, password: s3cret }',
      'sms: { webhook_url: "https://sms.acme.test/send", webhook_secret: "0123456789abcdef0123456789abcdef" }',
      'codes: { length: 8, ttl: 5m }',
    ].join('\n'));
    assert.deepEqual(config.email, {
      from: 'Acme <auth@acme.test>',
      smtp: { host: 'smtp.acme.test', port: 465, secure: true, requireTls: false, user: 'mailer', password: 's3cret' },
    });
    assert.deepEqual(config.sms, { webhookUrl: 'https://sms.acme.test/send', webhookSecret: '0123456789abcdef0123456789abcdef' });
    assert.equal(config.codes.length, 8);
    assert.equal(config.codes.ttl, 300);
    assert.equal(config.outbox, true);
    assert.equal(load('demo: true\noutbox: false').outbox, false);
  });

  void test('environment variables set nested settings', () => {
    const config = load(undefined, { STEPWISE_SMTP_HOST: 'mail.test', STEPWISE_SMTP_PORT: '2525', STEPWISE_OUTBOX: '1' });
    assert.equal(config.email.smtp?.host, 'mail.test');
    assert.equal(config.email.smtp?.port, 2525);
    assert.equal(config.outbox, true);
    assertConfigError(() => load(undefined, { STEPWISE_SMTP_HOST: 'mail.test', STEPWISE_SMTP_PORT: 'x' }), 'STEPWISE_SMTP_PORT', /between 1 and 65535/);
  });

  void test('bad values are named; secrets are never echoed', () => {
    assertConfigError(() => load('codes: { ttl: 15m }'), 'codes.ttl', /at most 10 minutes/);
    assertConfigError(() => load('codes: { length: 4 }'), 'codes.length', /between 6 and 10/);
    assertConfigError(() => load('sms: { webhook_url: "https://sms.test" }'), 'sms.webhook_secret', /is required/);
    assert.throws(
      () => load('sms: { webhook_url: "https://sms.test", webhook_secret: short-hunter2 }'),
      (error: ConfigError) => error.key === 'sms.webhook_secret' && /at least 32 characters/.test(error.message) && !error.message.includes('hunter2'),
    );
    assertConfigError(() => load('email: { smtp: { port: 25 } }'), 'email.smtp.host', /is required/);
  });
});
