import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findChallenge, isScheme, parseWwwAuthenticate } from '../src/index.js';

describe('parseWwwAuthenticate', () => {
  test('one challenge with quoted params', () => {
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="api", error="invalid_token"'), [
      { scheme: 'Bearer', params: { realm: 'api', error: 'invalid_token' } },
    ]);
  });

  test('several challenges in one header', () => {
    assert.deepEqual(parseWwwAuthenticate('Basic realm="x", Bearer error="invalid_token"'), [
      { scheme: 'Basic', params: { realm: 'x' } },
      { scheme: 'Bearer', params: { error: 'invalid_token' } },
    ]);
  });

  test('a challenge without params between two others', () => {
    assert.deepEqual(parseWwwAuthenticate('Basic realm="x", Custom, Bearer'), [
      { scheme: 'Basic', params: { realm: 'x' } },
      { scheme: 'Custom', params: {} },
      { scheme: 'Bearer', params: {} },
    ]);
  });

  test('backslash escapes in quoted strings', () => {
    const [challenge] = parseWwwAuthenticate('Bearer error_description="a \\"b\\" c", realm="back\\\\slash"');
    assert.equal(challenge?.params.error_description, 'a "b" c');
    assert.equal(challenge?.params.realm, 'back\\slash');
  });

  test('an escaped ordinary character stands for itself', () => {
    assert.equal(parseWwwAuthenticate('Bearer realm="\\a\\b"')[0]?.params.realm, 'ab');
  });

  test('commas and equals signs inside quoted strings', () => {
    assert.deepEqual(parseWwwAuthenticate('Bearer scope="urn:x:channel=HBO&rating=G,PG-13", error="insufficient_scope"'), [
      { scheme: 'Bearer', params: { scope: 'urn:x:channel=HBO&rating=G,PG-13', error: 'insufficient_scope' } },
    ]);
  });

  test('token and quoted values read the same', () => {
    const [bare] = parseWwwAuthenticate('Bearer max_age=300');
    const [quoted] = parseWwwAuthenticate('Bearer max_age="300"');
    assert.equal(bare?.params.max_age, '300');
    assert.deepEqual(bare, quoted);
  });

  test('params in any order', () => {
    const one = parseWwwAuthenticate('Bearer error="insufficient_user_authentication", acr_values="aal2", max_age=60');
    const two = parseWwwAuthenticate('Bearer max_age=60, acr_values="aal2", error="insufficient_user_authentication"');
    assert.deepEqual(one[0]?.params, two[0]?.params);
  });

  test('optional whitespace around = and commas', () => {
    assert.deepEqual(parseWwwAuthenticate('Bearer  realm = "x" ,error=  invalid_token  ,  scope="a b"'), [
      { scheme: 'Bearer', params: { realm: 'x', error: 'invalid_token', scope: 'a b' } },
    ]);
  });

  test('empty list elements are skipped', () => {
    assert.deepEqual(parseWwwAuthenticate(', , Basic realm="x", , ,Bearer error="invalid_token",, '), [
      { scheme: 'Basic', params: { realm: 'x' } },
      { scheme: 'Bearer', params: { error: 'invalid_token' } },
    ]);
  });

  test('token68 challenges', () => {
    assert.deepEqual(parseWwwAuthenticate('Negotiate abc=='), [{ scheme: 'Negotiate', params: {}, token68: 'abc==' }]);
    assert.deepEqual(parseWwwAuthenticate('Negotiate a+b/c.d-e_f~g, Bearer realm="x"'), [
      { scheme: 'Negotiate', params: {}, token68: 'a+b/c.d-e_f~g' },
      { scheme: 'Bearer', params: { realm: 'x' } },
    ]);
  });

  test('a token68-looking param is still a param', () => {
    assert.deepEqual(parseWwwAuthenticate('Bearer realm=api'), [{ scheme: 'Bearer', params: { realm: 'api' } }]);
  });

  test('several header lines joined with ", "', () => {
    const joined = ['Basic realm="x"', 'Bearer error="insufficient_user_authentication", acr_values="aal2"'].join(', ');
    assert.deepEqual(parseWwwAuthenticate(joined).map((challenge) => challenge.scheme), ['Basic', 'Bearer']);
    assert.deepEqual(parseWwwAuthenticate(new Headers([['www-authenticate', 'Basic realm="x"'], ['www-authenticate', 'Bearer max_age=5']]).get('www-authenticate') ?? ''), [
      { scheme: 'Basic', params: { realm: 'x' } },
      { scheme: 'Bearer', params: { max_age: '5' } },
    ]);
  });

  test('param names are lower-cased, the scheme is kept as sent', () => {
    const [challenge] = parseWwwAuthenticate('bEaReR Error="invalid_token", ACR_Values="aal2"');
    assert.equal(challenge?.scheme, 'bEaReR');
    assert.deepEqual(challenge?.params, { error: 'invalid_token', acr_values: 'aal2' });
  });

  test('a repeated param keeps its first value', () => {
    assert.equal(parseWwwAuthenticate('Bearer error="first", ERROR="second"')[0]?.params.error, 'first');
  });

  test('a param named __proto__ is an ordinary own property', () => {
    const [challenge] = parseWwwAuthenticate('Bearer __proto__="x", error="invalid_token"');
    assert.equal(Object.getPrototypeOf(challenge?.params), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(challenge?.params, '__proto__')?.value, 'x');
    assert.equal(challenge?.params.error, 'invalid_token');
  });

  test('the result is frozen', () => {
    const [challenge] = parseWwwAuthenticate('Bearer error="invalid_token"');
    assert.ok(Object.isFrozen(challenge));
    assert.ok(Object.isFrozen(challenge?.params));
  });

  test('RFC 9470 figure 1, verbatim with its line folding', () => {
    const header = [
      'Bearer error="insufficient_user_authentication",',
      '  error_description="A different authentication level is required",',
      '  acr_values="myACR"',
    ].join('\r\n');
    assert.deepEqual(parseWwwAuthenticate(header), [
      {
        scheme: 'Bearer',
        params: {
          error: 'insufficient_user_authentication',
          error_description: 'A different authentication level is required',
          acr_values: 'myACR',
        },
      },
    ]);
  });

  test('RFC 9470 figure 2, verbatim with its line folding', () => {
    const header = [
      'Bearer error="insufficient_user_authentication",',
      '  error_description="More recent authentication is required",',
      '  max_age="5"',
    ].join('\n');
    assert.deepEqual(parseWwwAuthenticate(header), [
      {
        scheme: 'Bearer',
        params: {
          error: 'insufficient_user_authentication',
          error_description: 'More recent authentication is required',
          max_age: '5',
        },
      },
    ]);
  });

  describe('malformed input is read as far as it goes, never throwing', () => {
    test('an unterminated quoted string runs to the end', () => {
      assert.deepEqual(parseWwwAuthenticate('Bearer realm="api", error="invalid_token, scope=x'), [
        { scheme: 'Bearer', params: { realm: 'api', error: 'invalid_token, scope=x' } },
      ]);
    });

    test('a quote missing its pair swallows text up to the next quote', () => {
      assert.deepEqual(parseWwwAuthenticate('Bearer error="invalid_token, realm="x'), [
        { scheme: 'Bearer', params: { error: 'invalid_token, realm=' } },
      ]);
    });

    test('a trailing backslash inside quotes is dropped', () => {
      assert.deepEqual(parseWwwAuthenticate('Bearer realm="x\\'), [{ scheme: 'Bearer', params: { realm: 'x' } }]);
    });

    test('a garbage element is skipped up to the next comma', () => {
      assert.deepEqual(parseWwwAuthenticate('Bearer error="invalid_token", "junk, still junk", realm="x"'), [
        { scheme: 'Bearer', params: { error: 'invalid_token', realm: 'x' } },
      ]);
      assert.deepEqual(parseWwwAuthenticate('Bearer error="invalid_token", @@@, realm="x"'), [
        { scheme: 'Bearer', params: { error: 'invalid_token', realm: 'x' } },
      ]);
    });

    test('text after a complete param is skipped up to the next comma', () => {
      assert.deepEqual(parseWwwAuthenticate('Bearer error="invalid_token" junk junk, realm="x"'), [
        { scheme: 'Bearer', params: { error: 'invalid_token', realm: 'x' } },
      ]);
    });

    test('a param before any scheme is dropped', () => {
      assert.deepEqual(parseWwwAuthenticate('realm="x", Bearer error="invalid_token"'), [
        { scheme: 'Bearer', params: { error: 'invalid_token' } },
      ]);
    });

    test('a param after a token68 is dropped', () => {
      assert.deepEqual(parseWwwAuthenticate('Negotiate abc==, realm="x"'), [{ scheme: 'Negotiate', params: {}, token68: 'abc==' }]);
    });

    test('an empty value is kept as empty', () => {
      assert.deepEqual(parseWwwAuthenticate('Bearer error="", realm=, scope='), [
        { scheme: 'Bearer', params: { error: '', realm: '', scope: '' } },
      ]);
    });

    test('a lone `name=` right after the scheme is a token68, as the grammar reads it', () => {
      assert.deepEqual(parseWwwAuthenticate('Bearer realm=, error="x"'), [{ scheme: 'Bearer', params: {}, token68: 'realm=' }]);
    });

    test('garbage never throws', () => {
      const garbage = ['', ' ', ',', '"', '=', '==', '\\', '"\\', 'Bearer =', 'Bearer ="x"', 'Bearer a="', '\u0000\u00ff\u{1f600}',
        ',,,=,,,"', 'Bearer a=b=c', 'x'.repeat(10_000), '"'.repeat(1001), 'Bearer ' + 'a="b", '.repeat(500)];
      for (const header of garbage) assert.doesNotThrow(() => parseWwwAuthenticate(header), JSON.stringify(header.slice(0, 20)));
      for (const notAString of [undefined, null, 42, {}]) {
        assert.deepEqual(parseWwwAuthenticate(notAString as unknown as string), []);
      }
    });

    test('random bytes never throw', () => {
      const alphabet = 'Bearer Basic error realm = " \\ , ; \t abc== max_age 300 \u00e9';
      let seed = 7;
      for (let round = 0; round < 2000; round += 1) {
        let header = '';
        for (let index = 0; index < 40; index += 1) {
          seed = (seed * 1103515245 + 12345) % 2 ** 31;
          header += alphabet.charAt(seed % alphabet.length);
        }
        const challenges = parseWwwAuthenticate(header);
        for (const challenge of challenges) assert.match(challenge.scheme, /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
      }
    });
  });
});

describe('findChallenge and isScheme', () => {
  const challenges = parseWwwAuthenticate('Basic realm="x", bearer error="invalid_token", Bearer realm="second"');

  test('match the scheme case-insensitively and return the first', () => {
    assert.equal(findChallenge(challenges, 'BEARER')?.params.error, 'invalid_token');
    assert.ok(isScheme({ scheme: 'DPoP', params: {} }, 'dpop'));
  });

  test('return undefined when absent', () => {
    assert.equal(findChallenge(challenges, 'DPoP'), undefined);
    assert.equal(findChallenge([], 'Bearer'), undefined);
  });
});
