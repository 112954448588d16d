import { randomBytes } from 'node:crypto';

/** How many codes one set holds; a new set replaces the whole old one. */
export const RECOVERY_CODE_COUNT = 10;

/** Characters in a code, without the dashes it is shown with. */
export const RECOVERY_CODE_LENGTH = 16;

/**
 * Crockford's base32: digits and capitals without I, L, O and U, so what is
 * printed cannot be misread as another symbol of the alphabet.
 */
export const RECOVERY_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const BITS_PER_CHARACTER = 5;
const GROUP_LENGTH = 4;
// 16 × 5 bits = 80 bits: out of reach of online guessing under the attempt
// limits, and still short enough to type from paper.
const RANDOM_BYTES = (RECOVERY_CODE_LENGTH * BITS_PER_CHARACTER) / 8;

/*
 * Letters people type for the digits they see on paper. Crockford's scheme
 * left them out of the alphabet precisely so they can be read this way.
 */
const LOOK_ALIKES: Readonly<Record<string, string>> = { O: '0', I: '1', L: '1' };

// Far longer than any honest typing of a 16-character code with separators;
// refusing early keeps absurd input from being scanned at all.
const MAX_TYPED_LENGTH = 64;

const NORMALIZED = new RegExp(`^[${RECOVERY_CODE_ALPHABET}]{${RECOVERY_CODE_LENGTH}}$`);

/**
 * A new random recovery code, in its normalized form (what is hashed and
 * stored). Show it with {@link formatRecoveryCode}.
 *
 * @returns 16 characters of {@link RECOVERY_CODE_ALPHABET}, 80 random bits
 * @example
 * ```ts
 * const code = generateRecoveryCode(); // "7K2QW9ZXM4T0HB8R"
 * formatRecoveryCode(code);            // "7K2Q-W9ZX-M4T0-HB8R"
 * ```
 */
export function generateRecoveryCode(): string {
  const bytes = randomBytes(RANDOM_BYTES);
  // Each character takes exactly five fresh bits, so every character of the
  // alphabet is equally likely (no modulo bias).
  let code = '';
  for (let index = 0; index < RECOVERY_CODE_LENGTH; index++) {
    let value = 0;
    for (let bit = 0; bit < BITS_PER_CHARACTER; bit++) {
      const position = index * BITS_PER_CHARACTER + bit;
      value = (value << 1) | ((bytes[position >> 3]! >> (7 - (position & 7))) & 1);
    }
    code += RECOVERY_CODE_ALPHABET[value];
  }
  return code;
}

/**
 * The normalized form of a code as a user typed it: upper case, without
 * spaces or dashes, with the look-alike letters O, I and L read as 0, 1 and 1.
 *
 * @param typed - whatever the user entered
 * @returns the 16-character normalized code, or null when it cannot be one
 * @example
 * ```ts
 * normalizeRecoveryCode('7k2q w9zx-m4tO-hb8r'); // "7K2QW9ZXM4T0HB8R"
 * normalizeRecoveryCode('not a code');          // null
 * ```
 */
export function normalizeRecoveryCode(typed: string): string | null {
  if (typed.length > MAX_TYPED_LENGTH) return null;
  // NFKC folds full-width letters and digits (an East Asian keyboard layout)
  // into the ASCII ones the code was printed with; any dash counts, since
  // phones turn a typed hyphen into an en or em dash.
  const compact = typed
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\p{Pd}]+/gu, '')
    .replace(/[OIL]/g, (letter) => LOOK_ALIKES[letter]!);
  return NORMALIZED.test(compact) ? compact : null;
}

/**
 * The form a code is shown in: four groups of four, joined by dashes.
 *
 * @param normalized - a code from {@link generateRecoveryCode} or {@link normalizeRecoveryCode}
 * @returns e.g. `7K2Q-W9ZX-M4T0-HB8R`
 * @example
 * ```ts
 * formatRecoveryCode('7K2QW9ZXM4T0HB8R'); // "7K2Q-W9ZX-M4T0-HB8R"
 * ```
 */
export function formatRecoveryCode(normalized: string): string {
  const groups: string[] = [];
  for (let start = 0; start < normalized.length; start += GROUP_LENGTH) {
    groups.push(normalized.slice(start, start + GROUP_LENGTH));
  }
  return groups.join('-');
}
