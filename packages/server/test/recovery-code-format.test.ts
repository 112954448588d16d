// What the user relies on: the codes they printed read unambiguously (no I,
// L, O or U), and however they type one back (lower case, without dashes,
// with spaces, an O for a 0) it is recognised. What an attacker relies on,
// and must not get: codes with less than 80 random bits, or a normalizer
// that turns junk into something that could match.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_COUNT,
  RECOVERY_CODE_LENGTH,
  formatRecoveryCode,
  generateRecoveryCode,
  normalizeRecoveryCode,
} from '../src/factors/recovery-codes.js';

const CROCKFORD = /^[0-9A-HJKMNP-TV-Z]{16}$/;
const GROUPED = /^[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

describe('recovery code format', () => {
  test('the alphabet is Crockford base32: 32 symbols, without I, L, O and U', () => {
    assert.equal(RECOVERY_CODE_ALPHABET.length, 32);
    assert.equal(new Set(RECOVERY_CODE_ALPHABET).size, 32);
    for (const excluded of 'ILOU') assert.equal(RECOVERY_CODE_ALPHABET.includes(excluded), false, excluded);
    assert.equal(RECOVERY_CODE_COUNT, 10);
    assert.equal(RECOVERY_CODE_LENGTH, 16);
  });

  test('a generated code has 16 alphabet characters and formats as XXXX-XXXX-XXXX-XXXX', () => {
    for (let i = 0; i < 200; i++) {
      const code = generateRecoveryCode();
      assert.match(code, CROCKFORD);
      assert.match(formatRecoveryCode(code), GROUPED);
      assert.equal(normalizeRecoveryCode(formatRecoveryCode(code)), code);
    }
  });

  test('generated codes are not repeated and use every symbol in every position', () => {
    const codes = Array.from({ length: 4000 }, generateRecoveryCode);
    assert.equal(new Set(codes).size, codes.length);
    // With 4000 codes each position sees each symbol ~125 times; a symbol
    // missing from a position would mean fewer than 5 bits of randomness there.
    for (let position = 0; position < RECOVERY_CODE_LENGTH; position++) {
      const seen = new Set(codes.map((code) => code[position]));
      assert.equal(seen.size, 32, `position ${position} uses ${seen.size} symbols`);
    }
  });

  test('typed forms normalize to the printed code', () => {
    const printed = '7K2Q-W9ZX-M4T0-HB81';
    const normalized = '7K2QW9ZXM4T0HB81';
    for (const typed of [
      printed,
      normalized,
      printed.toLowerCase(),
      '7k2q w9zx m4t0 hb81',
      '  7K2QW9ZX-M4T0HB81 \n',
      '7K2Q–W9ZX—M4T0‐HB81', // en dash, em dash, Unicode hyphen from a phone keyboard
      '７Ｋ２Ｑ-Ｗ９ＺＸ-Ｍ４Ｔ０-ＨＢ８１', // full-width
    ]) {
      assert.equal(normalizeRecoveryCode(typed), normalized, JSON.stringify(typed));
    }
  });

  test('the look-alike letters O, I and L are read as 0, 1 and 1', () => {
    assert.equal(normalizeRecoveryCode('7K2Q-W9ZX-M4TO-HB8I'), '7K2QW9ZXM4T0HB81');
    assert.equal(normalizeRecoveryCode('7k2q-w9zx-m4to-hb8l'), '7K2QW9ZXM4T0HB81');
    assert.equal(normalizeRecoveryCode('OOOO-IIII-LLLL-oilO'), '0000111111110110');
  });

  test('anything that cannot be a code is refused', () => {
    for (const bad of [
      '',
      '   ',
      '----',
      '7K2Q-W9ZX-M4T0-HB8', // 15 characters
      '7K2Q-W9ZX-M4T0-HB811', // 17 characters
      '7K2Q-W9ZX-M4T0-HB8U', // U is not in the alphabet and has no look-alike reading
      '7K2Q_W9ZX_M4T0_HB81', // underscores are not separators
      '7K2Q.W9ZX.M4T0.HB81',
      '7K2Q-W9ZX-M4T0-HB8*',
      "7K2Q-W9ZX-M4T0-HB8' OR 1=1",
      '7K2Q-W9ZX-M4T0-HB8\u0000',
      '7K2Q-W9ZX-M4T0-HB8é',
      '123456', // a TOTP code typed in the wrong box
      `${' '.repeat(100)}7K2QW9ZXM4T0HB81`, // absurdly long input is not even scanned
      '7K2Q-W9ZX-M4T0-HB81'.repeat(1000),
    ]) {
      assert.equal(normalizeRecoveryCode(bad), null, JSON.stringify(bad.slice(0, 40)));
    }
  });

  test('formatting groups any normalized code in fours', () => {
    assert.equal(formatRecoveryCode('0123456789ABCDEF'), '0123-4567-89AB-CDEF');
  });
});
