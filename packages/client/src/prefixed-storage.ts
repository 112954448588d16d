/**
 * JSON records in a Web Storage area under one key prefix, so that several
 * clients (or other scripts) can share `sessionStorage` without clashing
 * and sign-out can remove exactly what the client wrote.
 *
 * @example
 * ```ts
 * const store = new PrefixedStorage(sessionStorage, 'stepwise:bank-web:');
 * store.write('tokens', { accessToken });
 * store.read('tokens', isStoredTokens);
 * ```
 */
export class PrefixedStorage {
  /**
   * @param storage - `sessionStorage`, or any object with the Storage interface
   * @param prefix - prepended to every key, e.g. `stepwise:bank-web:`
   */
  constructor(
    private readonly storage: Storage,
    readonly prefix: string,
  ) {}

  /**
   * Reads a record; a missing, unparsable or wrongly shaped one reads as
   * undefined, since storage is writable by anything on the origin.
   *
   * @param key - the key without prefix
   * @param guard - checks the parsed value's shape
   */
  read<T>(key: string, guard: (value: unknown) => value is T): T | undefined {
    const text = this.storage.getItem(this.prefix + key);
    if (text === null) return undefined;
    try {
      const value: unknown = JSON.parse(text);
      return guard(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * @param key - the key without prefix
   * @param value - any JSON-serialisable value
   */
  write(key: string, value: unknown): void {
    this.storage.setItem(this.prefix + key, JSON.stringify(value));
  }

  /** @param key - the key without prefix */
  remove(key: string): void {
    this.storage.removeItem(this.prefix + key);
  }

  /** Removes every key under the prefix, and only those. */
  clear(): void {
    const keys: string[] = [];
    for (let index = 0; index < this.storage.length; index += 1) {
      const key = this.storage.key(index);
      if (key?.startsWith(this.prefix)) keys.push(key);
    }
    // Collected first: removing while iterating shifts the indexes.
    for (const key of keys) this.storage.removeItem(key);
  }
}
