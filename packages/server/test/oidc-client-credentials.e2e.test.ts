// The client_credentials grant (RFC 6749 §4.4) end to end: a confidential
// backend registered for it gets, over real HTTP with openid-client, an
// RFC 9068 JWT access token of its own for a configured resource. The
// token verifies with the server's JWKS, names the client as its subject
// and carries no user claims (no acr, amr or auth_time); it is audited as
// a token_issued event without a subject.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditRecord } from '@stepwise/core';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { clients, epochSeconds } from '../src/index.js';
import { readAuditEvents } from '../src/storage/audit-events.js';
import { startTestServer, type TestServer } from './support/harness.js';

const API = 'https://api.example.test/';
const BACKEND = { id: 'reports-backend', secret: 'a-long-random-secret-for-the-reports-backend' };

describe('client_credentials: a backend\'s own token', () => {
  let server: TestServer;
  let backend: oidc.Configuration;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  before(async () => {
    server = await startTestServer({ overrides: { resources: [API] } });
    await clients.upsertClient(server.server.database.db, {
      client_id: BACKEND.id, client_secret: BACKEND.secret, token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
    }, epochSeconds());
    backend = await oidc.discovery(new URL(server.issuer), BACKEND.id, undefined, oidc.ClientSecretBasic(BACKEND.secret), {
      execute: [oidc.allowInsecureRequests],
    });
    jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
  });
  after(async () => server.destroy());

  test('discovery lists the grant', () => {
    assert.ok(backend.serverMetadata().grant_types_supported?.includes('client_credentials'));
  });

  test('a token for a configured resource verifies with the JWKS and carries no user claims', async () => {
    const tokens = await oidc.clientCredentialsGrant(backend, { resource: API });
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.refresh_token, undefined);
    assert.equal(tokens.id_token, undefined);
    assert.equal(decodeProtectedHeader(tokens.access_token).alg, 'ES256');
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: server.issuer, audience: API, typ: 'at+jwt' });
    assert.equal(payload.client_id, BACKEND.id);
    assert.equal(payload.sub, BACKEND.id, 'RFC 9068: the subject of a client\'s own token is the client');
    for (const claim of ['acr', 'amr', 'auth_time', 'txn']) assert.equal(payload[claim], undefined, `${claim} has no meaning without a user`);
    assert.equal(payload.exp! - payload.iat!, server.server.services.config.tokens.accessTokenTtl);
    assert.equal(tokens.expires_in, server.server.services.config.tokens.accessTokenTtl);
  });

  test('without a resource the audience is the issuer; an unlisted one is refused with invalid_target', async () => {
    const tokens = await oidc.clientCredentialsGrant(backend);
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: server.issuer, audience: server.issuer, typ: 'at+jwt' });
    assert.equal(payload.sub, BACKEND.id);
    await assert.rejects(oidc.clientCredentialsGrant(backend, { resource: 'https://attacker.example/' }), { error: 'invalid_target' });
  });

  test('transaction details cannot be bound at the token endpoint: invalid_authorization_details', async () => {
    const payment = [{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5000.00' }, creditorName: 'ACME', creditorAccount: { iban: 'DE02120300000000202051' } }];
    await assert.rejects(
      oidc.clientCredentialsGrant(backend, { resource: API, authorization_details: JSON.stringify(payment) }),
      { error: 'invalid_authorization_details' },
    );
  });

  test('each token is audited as token_issued, with the client and no subject', async () => {
    await oidc.clientCredentialsGrant(backend, { resource: API });
    const records: AuditRecord[] = [];
    for await (const record of readAuditEvents(server.server.database.db)) records.push(record);
    const issued = records.filter((record) => record.type === 'token_issued' && record.client === BACKEND.id);
    assert.ok(issued.length >= 1);
    for (const record of issued) {
      assert.equal(record.subject, null);
      assert.equal(record.actor, `client:${BACKEND.id}`);
      assert.equal(record.details?.grant_type, 'client_credentials');
    }
  });
});
