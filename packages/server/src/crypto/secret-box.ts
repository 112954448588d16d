import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { ConfigError, SimpleError } from '@stepwise/core';

/** One AES-256 key and the id stored beside everything it seals. */
export interface SecretKey {
  /** Short name written into each sealed value, so the right key is found after rotation. */
  readonly id: string;
  /** 32 random bytes. */
  readonly key: Buffer;
}

const FORMAT_VERSION = 'v1';
const KEY_BYTES = 32;
// 96-bit IVs are the size GCM is specified for; random ones are safe for
// well under 2^32 seals per key, far beyond what factor secrets need.
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function checkKey(key: SecretKey, seen: Set<string>): void {
  if (!KEY_ID.test(key.id)) {
    throw new ConfigError('secret_keys', `key id "${key.id}" must be 1 to 64 letters, digits, "-" or "_"`);
  }
  if (seen.has(key.id)) throw new ConfigError('secret_keys', `key id "${key.id}" is used twice`);
  // Never echo key material in the reason: it ends up in logs.
  if (key.key.length !== KEY_BYTES) {
    throw new ConfigError('secret_keys', `key "${key.id}" must be ${KEY_BYTES} bytes, got ${key.key.length}`);
  }
  seen.add(key.id);
}

function decryptionFailed(): SimpleError {
  return new SimpleError('ERR_DECRYPTION_FAILED');
}

// The header is authenticated with the context so that neither the key id
// nor the format version can be altered without detection. Key ids hold no
// dot, so the concatenation is unambiguous.
function additionalData(kid: string, context: string): Buffer {
  return Buffer.from(`${FORMAT_VERSION}.${kid}.${context}`, 'utf8');
}

/**
 * Authenticated encryption of secrets at rest (AES-256-GCM) with key ids for
 * rotation: the first key seals, every key opens. A `context` (the row the
 * value belongs to) is bound as additional data, so a ciphertext copied into
 * another row, or another user's row, does not open.
 *
 * @example
 * ```ts
 * const box = new SecretBox([generateSecretKey('k2'), oldKey]);
 * const sealed = box.seal(totpSecret, `totp:${factorId}`);
 * box.open(sealed, `totp:${factorId}`) === totpSecret;
 * ```
 */
export class SecretBox {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #current: string;

  /**
   * @param keys - the current key first, then older keys still needed to open old values
   * @throws {@link ConfigError} (`secret_keys`) for an empty list, a bad or repeated id, or a key that is not 32 bytes
   */
  constructor(keys: readonly SecretKey[]) {
    const first = keys[0];
    if (!first) throw new ConfigError('secret_keys', 'at least one key is needed');
    const seen = new Set<string>();
    const byId = new Map<string, KeyObject>();
    for (const key of keys) {
      checkKey(key, seen);
      // A private copy (the caller may reuse or wipe its buffer), made a
      // key object once rather than on every seal and open.
      byId.set(key.id, createSecretKey(Buffer.from(key.key)));
    }
    this.#keys = byId;
    this.#current = first.id;
  }

  /** The id of the key that {@link SecretBox.seal} uses. */
  get currentKeyId(): string {
    return this.#current;
  }

  /**
   * Encrypts `plaintext` with the current key and a fresh random IV.
   *
   * @param plaintext - the secret, as UTF-8 text
   * @param context - what the value belongs to, e.g. `totp:<factorId>`; {@link SecretBox.open} needs the same
   * @returns `v1.<kid>.<iv>.<ciphertext>.<tag>`, each part base64url
   */
  seal(plaintext: string, context: string): string {
    const key = this.#keys.get(this.#current) as KeyObject;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(this.#current, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT_VERSION, this.#current, iv, ciphertext, tag]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /**
   * Decrypts a value made by {@link SecretBox.seal} with any configured key.
   *
   * @param sealed - the stored value
   * @param context - the context it was sealed with
   * @throws SimpleError `ERR_DECRYPTION_FAILED` for an unknown key id, a bad
   *   format, another context or any tampering; the cause is not told apart,
   *   so the error is no oracle
   */
  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5) throw decryptionFailed();
    const [version, kid, ivText, ciphertextText, tagText] = parts as [string, string, string, string, string];
    if (version !== FORMAT_VERSION) throw decryptionFailed();
    const key = this.#keys.get(kid);
    if (!key) throw decryptionFailed();
    // Buffer.from skips characters outside the alphabet; refuse them instead.
    if (![ivText, ciphertextText, tagText].every((text) => BASE64URL.test(text))) throw decryptionFailed();
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    // A short tag would lower the forgery bound; GCM accepts them unless told not to.
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw decryptionFailed();
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(kid, context));
      decipher.setAuthTag(tag);
      const plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]);
      return plaintext.toString('utf8');
    } catch {
      throw decryptionFailed();
    }
  }
}

/**
 * Reads keys from the `secret_keys` setting.
 *
 * @param spec - `kid1:<base64 or base64url of 32 bytes>,kid2:…`, the current key first; spaces around entries are ignored
 * @throws {@link ConfigError} (`secret_keys`) naming the entry that is wrong, never its key material
 * @example
 * ```ts
 * const keys = parseSecretKeys(process.env.STEPWISE_SECRET_KEYS ?? '');
 * ```
 */
export function parseSecretKeys(spec: string): SecretKey[] {
  const entries = spec.split(',').map((entry) => entry.trim());
  if (entries.every((entry) => entry === '')) {
    throw new ConfigError('secret_keys', 'must list at least one key as "<id>:<base64 of 32 bytes>"');
  }
  const keys: SecretKey[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon < 0) {
      throw new ConfigError('secret_keys', `entry ${index + 1} must look like "<id>:<base64 of 32 bytes>"`);
    }
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    // Node's base64 decoder accepts both alphabets but skips stray characters.
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) {
      throw new ConfigError('secret_keys', `key "${id}" is not base64 or base64url`);
    }
    const key = { id, key: Buffer.from(encoded, 'base64') };
    checkKey(key, seen);
    keys.push(key);
  });
  return keys;
}

/**
 * Makes a new random key.
 *
 * @param id - its id; by default the date and a random suffix, e.g. `20250314-9f2c`
 * @example
 * ```ts
 * const keys = [generateSecretKey(), ...oldKeys]; // the new key seals from now on
 * ```
 */
export function generateSecretKey(id?: string): SecretKey {
  const keyId = id ?? `${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(2).toString('hex')}`;
  const key = { id: keyId, key: randomBytes(KEY_BYTES) };
  checkKey(key, new Set());
  return key;
}

/**
 * Writes keys in the form {@link parseSecretKeys} reads (base64url).
 *
 * @param keys - the keys, current first
 * @example
 * ```ts
 * writeFileSync(path, formatSecretKeys([generateSecretKey()]), { mode: 0o600 });
 * ```
 */
export function formatSecretKeys(keys: readonly SecretKey[]): string {
  return keys.map((key) => `${key.id}:${key.key.toString('base64url')}`).join(',');
}
