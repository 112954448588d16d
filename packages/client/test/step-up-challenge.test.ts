import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readBearerError, readStepUpChallenge } from '../src/index.js';

const STEP_UP = 'Bearer error="insufficient_user_authentication", error_description="Stronger please", acr_values="aal3 aal2", max_age=300';

describe('readStepUpChallenge', () => {
  test('reads error, description, acr_values in order and max_age', () => {
    assert.deepEqual(readStepUpChallenge(STEP_UP), {
      error: 'insufficient_user_authentication',
      description: 'Stronger please',
      acrValues: ['aal3', 'aal2'],
      maxAge: 300,
    });
  });

  test('reads from a Response and from Headers', () => {
    const headers = new Headers({ 'WWW-Authenticate': STEP_UP });
    const response = new Response(null, { status: 401, headers });
    assert.deepEqual(readStepUpChallenge(response), readStepUpChallenge(STEP_UP));
    assert.deepEqual(readStepUpChallenge(headers), readStepUpChallenge(STEP_UP));
  });

  test('only max_age: empty acrValues, no description', () => {
    assert.deepEqual(readStepUpChallenge('Bearer error="insufficient_user_authentication", max_age="5"'), {
      error: 'insufficient_user_authentication',
      acrValues: [],
      maxAge: 5,
    });
  });

  test('extra spaces in acr_values are ignored', () => {
    assert.deepEqual(readStepUpChallenge('Bearer error="insufficient_user_authentication", acr_values="  aal2   aal3 "')?.acrValues, [
      'aal2',
      'aal3',
    ]);
  });

  test('max_age must be a non-negative integer', () => {
    for (const bad of ['-1', '1.5', 'abc', '', '1e3', ' 5', '99999999999999999999', '0x10']) {
      const challenge = readStepUpChallenge(`Bearer error="insufficient_user_authentication", max_age="${bad}"`);
      assert.ok(challenge, bad);
      assert.equal(challenge.maxAge, undefined, bad);
      assert.equal('maxAge' in challenge, false, bad);
    }
    assert.equal(readStepUpChallenge('Bearer error="insufficient_user_authentication", max_age=0')?.maxAge, 0);
  });

  test('a DPoP challenge counts, and the scheme is case-insensitive', () => {
    assert.ok(readStepUpChallenge('DPoP algs="ES256", error="insufficient_user_authentication"'));
    assert.ok(readStepUpChallenge('bearer error="insufficient_user_authentication"'));
  });

  test('found among other challenges', () => {
    const challenge = readStepUpChallenge(`Basic realm="x", Bearer error="invalid_token", ${STEP_UP}`);
    assert.deepEqual(challenge?.acrValues, ['aal3', 'aal2']);
  });

  test('nothing for other errors, other schemes, or no header', () => {
    assert.equal(readStepUpChallenge('Bearer error="invalid_token"'), undefined);
    assert.equal(readStepUpChallenge('Basic error="insufficient_user_authentication"'), undefined);
    assert.equal(readStepUpChallenge(new Response(null, { status: 401 })), undefined);
    assert.equal(readStepUpChallenge(''), undefined);
    assert.equal(readStepUpChallenge(null), undefined);
    assert.equal(readStepUpChallenge(undefined), undefined);
  });
});

describe('readStepUpChallenge, authorization_details', () => {
  const PAYMENT = [{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5000.00' }, creditorName: 'Zoë Ünal' }];
  const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
  const withDetails = (value: string): string =>
    `Bearer error="insufficient_user_authentication", acr_values="aal2", max_age=300, authorization_details="${value}"`;

  test('reads the base64url (unpadded) UTF-8 JSON array, beside acr_values and max_age', () => {
    assert.deepEqual(readStepUpChallenge(withDetails(encode(JSON.stringify(PAYMENT)))), {
      error: 'insufficient_user_authentication',
      acrValues: ['aal2'],
      maxAge: 300,
      authorizationDetails: PAYMENT,
    });
  });

  test('a token (unquoted) value and padding are read too', () => {
    const encoded = encode(JSON.stringify([{ type: 'stepwise_action', action: 'environment.delete' }]));
    assert.equal(encoded.length % 4 === 0, false, 'the fixture needs padding to test it');
    const padded = encoded.padEnd(encoded.length + ((4 - (encoded.length % 4)) % 4), '=');
    for (const header of [
      `Bearer error="insufficient_user_authentication", authorization_details=${encoded}`,
      `Bearer error="insufficient_user_authentication", authorization_details="${padded}"`,
    ]) {
      assert.deepEqual(readStepUpChallenge(header)?.authorizationDetails, [{ type: 'stepwise_action', action: 'environment.delete' }], header);
    }
  });

  const unreadable: Array<[string, string]> = [
    ['empty', ''],
    ['not base64url at all', '!!!not-base64!!!'],
    // Valid JSON details once decoded, but in the + / alphabet the guard never sends.
    ['standard base64 alphabet', Buffer.from('[{"type":"?>?>"}]').toString('base64').replace(/=+$/, '')],
    ['an impossible length', 'eyJhIjoxfQx'.slice(0, 5)],
    ['not UTF-8', Buffer.from([0x5b, 0xff, 0xfe, 0x5d]).toString('base64url')],
    ['not JSON', encode('payment_initiation EUR 5000')],
    ['truncated JSON', encode(JSON.stringify(PAYMENT).slice(0, 20))],
    ['a JSON object, not an array', encode(JSON.stringify(PAYMENT[0]))],
    ['a JSON string', encode('"[]"')],
    ['a JSON number', encode('42')],
    ['JSON null', encode('null')],
    ['an empty array', encode('[]')],
    ['an array of strings', encode('["payment_initiation"]')],
    ['an array with null', encode('[{"type":"a"},null]')],
    ['an array of arrays', encode('[[{"type":"a"}]]')],
  ];
  for (const [name, value] of unreadable) {
    test(`${name}: the challenge stands, without authorizationDetails`, () => {
      const challenge = readStepUpChallenge(withDetails(value));
      assert.ok(challenge, name);
      assert.equal('authorizationDetails' in challenge, false, name);
      assert.deepEqual(challenge.acrValues, ['aal2']);
      assert.equal(challenge.maxAge, 300);
    });
  }

  test('a challenge without the param has no authorizationDetails key', () => {
    assert.equal('authorizationDetails' in (readStepUpChallenge(STEP_UP) ?? {}), false);
  });
});

describe('readBearerError', () => {
  test('reads invalid_token with its description', () => {
    assert.deepEqual(readBearerError('Bearer realm="api", error="invalid_token", error_description="expired"'), {
      error: 'invalid_token',
      description: 'expired',
    });
  });

  test('reads insufficient_scope with its scope', () => {
    assert.deepEqual(readBearerError(new Headers({ 'www-authenticate': 'Bearer error="insufficient_scope", scope="transfers:write"' })), {
      error: 'insufficient_scope',
      scope: 'transfers:write',
    });
  });

  test('reads the step-up error too', () => {
    assert.equal(readBearerError(STEP_UP)?.error, 'insufficient_user_authentication');
  });

  test('skips a Bearer challenge without error for one that has it', () => {
    assert.equal(readBearerError('Bearer realm="a", DPoP error="invalid_token"')?.error, 'invalid_token');
  });

  test('nothing when no OAuth challenge carries an error', () => {
    assert.equal(readBearerError('Bearer realm="api"'), undefined);
    assert.equal(readBearerError('Basic error="invalid_token"'), undefined);
    assert.equal(readBearerError(new Response('no')), undefined);
    assert.equal(readBearerError(null), undefined);
  });
});
