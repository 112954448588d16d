// RFC 8785 (JCS): the canonical text behind `txn`. The vectors are the RFC's
// own (sections 3.2.2, 3.2.3 and appendix B); if they drift, two servers
// would hash the same transaction differently and bound tokens would fail.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { AuthorizationDetailsError, canonicalJson, transactionHash } from '../src/index.js';

describe('canonical JSON (RFC 8785)', () => {
  test('the RFC 8785 section 3.2.2 example serialises byte for byte', () => {
    const input = JSON.parse(String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`);
    assert.equal(
      canonicalJson(input),
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  test('properties sort by UTF-16 code units, so an emoji sorts before U+FB33 (section 3.2.3)', () => {
    const input = JSON.parse(String.raw`{
      "\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"
    }`);
    // Read back with a regex: JSON.parse would put the integer-like key "1" first again.
    const order = [...canonicalJson(input).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((match) => JSON.parse(`"${match[1]}"`) as string);
    assert.deepEqual(order, ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  });

  test('numbers take their shortest ECMAScript form (appendix B)', () => {
    const vectors: Array<[string, string]> = [
      ['0000000000000000', '0'], ['8000000000000000', '0'], ['0000000000000001', '5e-324'], ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'], ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'], ['c340000000000000', '-9007199254740992'], ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'], ['44b52d02c7e14af6', '1e+23'], ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'], ['444b1ae4d6e2ef4f', '999999999999999900000'], ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'], ['3eb0c6f7a0b5ed8d', '0.000001'], ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'], ['41b3de4355555555', '333333333.3333333'], ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'], ['becbf647612f3696', '-0.0000033333333333333333'], ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, expected] of vectors) {
      const value = Buffer.from(bits, 'hex').readDoubleBE(0);
      assert.equal(canonicalJson(value), expected, `IEEE 754 ${bits}`);
    }
  });

  test('the same value written differently has one form: key order, number spelling, escapes, whitespace', () => {
    const a = JSON.parse('{ "b": [1.0, 1e0, 10E-1], "a": "\\u00e9" }');
    const b = JSON.parse('{"a":"é","b":[1,1,1]}');
    assert.equal(canonicalJson(a), canonicalJson(b));
    assert.equal(canonicalJson(a), '{"a":"é","b":[1,1,1]}');
  });

  test('Unicode is not normalised: a precomposed é and e + combining accent differ', () => {
    assert.notEqual(canonicalJson({ payee: 'Caf\u00e9' }), canonicalJson({ payee: 'Cafe\u0301' }));
  });

  test('what JSON cannot carry is refused with the path, not silently changed', () => {
    const refusals: Array<[unknown, string]> = [
      [{ amount: Number.NaN }, 'authorization_details.amount'],
      [[{ a: Number.POSITIVE_INFINITY }], 'authorization_details[0].a'],
      [{ name: 'x\ud800y' }, 'authorization_details.name'],
      [{ list: [undefined] }, 'authorization_details.list[0]'],
      [{ when: new Date(0) }, 'authorization_details.when'],
      [{ big: 1n }, 'authorization_details.big'],
    ];
    for (const [value, field] of refusals) {
      assert.throws(() => canonicalJson(value), (error: unknown) => error instanceof AuthorizationDetailsError && error.field === field, field);
    }
    assert.throws(() => canonicalJson({ ['\udc00']: 1 }), AuthorizationDetailsError);
  });

  test('txn is the base64url SHA-256 of the canonical text', () => {
    const details = [{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '5000.00' }, creditorName: 'ACME' }];
    const expected = createHash('sha256').update(canonicalJson(details)).digest('base64url');
    assert.equal(transactionHash(details), expected);
    assert.match(transactionHash(details), /^[A-Za-z0-9_-]{43}$/);
    const reordered = [{ creditorName: 'ACME', instructedAmount: { amount: '5000.00', currency: 'EUR' }, type: 'payment_initiation' }];
    assert.equal(transactionHash(reordered), transactionHash(details));
    const changed = [{ ...details[0]!, instructedAmount: { currency: 'EUR', amount: '50000.00' } }];
    assert.notEqual(transactionHash(changed), transactionHash(details));
  });
});
