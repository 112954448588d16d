import { importJWK, type CryptoKey, type JWK } from 'jose';
import { InvalidTokenError, IssuerUnavailableError } from './errors.js';

/** What the guard reads from the issuer's discovery document. */
export interface IssuerMetadata {
  readonly issuer: string;
  readonly jwksUri: string;
  /** `{ acr: rank }` from `stepwise_acr_ranks`, or the guard's own option. */
  readonly acrRanks: Readonly<Record<string, number>>;
  /** `{ acr: seconds }` from `stepwise_acr_lifetimes`, or the guard's own option. */
  readonly acrLifetimes: Readonly<Record<string, number>>;
}

/** How the directory fetches and how long it trusts what it fetched. */
export interface IssuerDirectoryOptions {
  readonly issuer: string;
  readonly fetch: typeof fetch;
  /** Least time between two JWKS fetches caused by an unknown `kid`. */
  readonly cooldownMs: number;
  /** Age after which discovery and JWKS are refreshed in the background. */
  readonly refreshMs: number;
  /** Time limit of one HTTP fetch. */
  readonly timeoutMs: number;
  readonly acrRanks?: Readonly<Record<string, number>> | undefined;
  readonly acrLifetimes?: Readonly<Record<string, number>> | undefined;
  /** Milliseconds clock, for tests. */
  readonly nowMs: () => number;
}

interface KeyEntry {
  readonly jwk: JWK;
  /** Imported keys by algorithm: a key is imported once and reused. */
  readonly imported: Map<string, CryptoKey>;
}

interface KeySet {
  readonly byKid: ReadonlyMap<string, KeyEntry>;
  readonly all: readonly KeyEntry[];
  /**
   * Keys by the encoded protected header of tokens they verified: an
   * issuer's tokens share one header per key, so later tokens skip the
   * header lookup. Belongs to this set, so a refetch forgets it.
   */
  readonly byVerifiedHeader: Map<string, CryptoKey>;
}

// Headers of validly signed tokens only, but bounded all the same: an issuer
// that put per-token values in its headers would otherwise grow it forever.
const MAX_VERIFIED_HEADERS = 32;

// After a failed first load, callers get a 503 at once instead of all waiting
// on another fetch until this much time has passed.
const FAILURE_BACKOFF_MS = 2_000;

function isRecordOf(value: unknown, check: (item: unknown) => boolean): value is Record<string, number> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(check);
}

// A key may verify when its `use` and `key_ops` allow it (RFC 7517 section 4).
function verifies(jwk: JWK): boolean {
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) return false;
  return typeof jwk.kty === 'string';
}

// A key without `alg` may verify any algorithm its type allows.
function fitsAlg(entry: KeyEntry, alg: string | undefined): boolean {
  return entry.jwk.alg === undefined || entry.jwk.alg === alg;
}

/**
 * The issuer's discovery document and signing keys, fetched once, shared by
 * every request, refreshed in the background, and refetched when a token
 * names a key id not seen yet (a rotation) at most once per cooldown.
 * Lookups for known keys are synchronous map reads.
 */
export class IssuerDirectory {
  private meta: { value: IssuerMetadata; fetchedAt: number } | undefined;
  private keys: KeySet | undefined;
  private loading: Promise<void> | undefined;
  private lastFailureAt = -Infinity;
  // Only refetches caused by unknown key ids count toward the cooldown, so a
  // scheduled refresh never delays picking up a freshly rotated key.
  private lastUnknownKidFetchAt = -Infinity;

  /** @param options - issuer, fetch and cache timings */
  constructor(private readonly options: IssuerDirectoryOptions) {}

  /** Discovery metadata; fetches it (and the keys) on first use. */
  async metadata(): Promise<IssuerMetadata> {
    if (!this.meta || !this.keys) await this.load(false);
    this.refreshIfStale();
    return this.meta!.value;
  }

  /** Discovery metadata when already fetched, without waiting: the per-request path. */
  metadataNow(): IssuerMetadata | undefined {
    return this.keys ? this.meta?.value : undefined;
  }

  /**
   * The key that verifies a token with this header: synchronous when the key
   * is cached, which is every request but those after a rotation.
   *
   * @param header - the token's protected header
   * @throws {@link InvalidTokenError} `unknown_key` when the issuer publishes no such key
   */
  keyFor(header: { kid?: string | undefined; alg?: string | undefined }): CryptoKey | Promise<CryptoKey> {
    if (this.keys) {
      this.refreshIfStale();
      const cached = this.find(header)?.imported.get(header.alg ?? '');
      if (cached) return cached;
    }
    return this.resolveKey(header);
  }

  private async resolveKey(header: { kid?: string | undefined; alg?: string | undefined }): Promise<CryptoKey> {
    if (!this.keys) await this.load(false);
    let entry = this.find(header);
    // A fetch under way (another request's unknown kid) may bring this key too.
    if (!entry && this.loading) {
      await this.loading.catch(() => undefined);
      entry = this.find(header);
    }
    if (!entry && this.options.nowMs() - this.lastUnknownKidFetchAt >= this.options.cooldownMs) {
      this.lastUnknownKidFetchAt = this.options.nowMs();
      await this.load(true);
      entry = this.find(header);
    }
    if (!entry) throw new InvalidTokenError('unknown_key', 'The token is signed with a key the issuer does not publish');
    const alg = header.alg ?? '';
    const cached = entry.imported.get(alg);
    if (cached) return cached;
    try {
      const key = (await importJWK(entry.jwk, alg)) as CryptoKey;
      entry.imported.set(alg, key);
      return key;
    } catch {
      throw new InvalidTokenError('algorithm', `The token's algorithm does not fit the issuer's key`);
    }
  }

  /**
   * The key that verified an earlier token with this very protected header
   * (its first, base64url segment), among the keys fetched last: the same
   * key {@link IssuerDirectory.keyFor} would pick, without the lookup.
   *
   * @param encodedHeader - the token's first segment
   * @returns the key, or `undefined` when no token with this header was verified since the keys were fetched
   */
  keyForVerifiedHeader(encodedHeader: string): CryptoKey | undefined {
    const keys = this.keys;
    if (!keys) return undefined;
    this.refreshIfStale();
    return keys.byVerifiedHeader.get(encodedHeader);
  }

  /**
   * Remembers that a token with this protected header verified with this
   * key, for {@link IssuerDirectory.keyForVerifiedHeader}; only when the
   * keys fetched last still give that key for that header (a refetch may
   * have happened meanwhile).
   *
   * @param encodedHeader - the verified token's first segment
   * @param header - that segment, decoded
   * @param key - the key it verified with
   */
  rememberVerifiedHeader(encodedHeader: string, header: { kid?: unknown; alg?: unknown }, key: unknown): void {
    const keys = this.keys;
    if (!keys || keys.byVerifiedHeader.size >= MAX_VERIFIED_HEADERS) return;
    if (typeof header.alg !== 'string' || (header.kid !== undefined && typeof header.kid !== 'string')) return;
    const current = this.find({ kid: header.kid, alg: header.alg })?.imported.get(header.alg);
    if (current !== undefined && current === key) keys.byVerifiedHeader.set(encodedHeader, current);
  }

  private find(header: { kid?: string | undefined; alg?: string | undefined }): KeyEntry | undefined {
    const keys = this.keys;
    if (!keys) return undefined;
    if (header.kid !== undefined) {
      const entry = keys.byKid.get(header.kid);
      return entry && fitsAlg(entry, header.alg) ? entry : undefined;
    }
    // Without a kid, only an unambiguous key will do.
    let only: KeyEntry | undefined;
    for (const entry of keys.all) {
      if (!fitsAlg(entry, header.alg)) continue;
      if (only) return undefined;
      only = entry;
    }
    return only;
  }

  private refreshIfStale(): void {
    const now = this.options.nowMs();
    if (this.loading || !this.meta || now - this.meta.fetchedAt < this.options.refreshMs) return;
    // While the issuer is down, retry at the backoff pace, not once per request.
    if (now - this.lastFailureAt < FAILURE_BACKOFF_MS) return;
    // Background refresh: requests keep using what is cached; a failure keeps it.
    this.load(true).catch(() => undefined);
  }

  private load(force: boolean): Promise<void> {
    if (this.loading) return this.loading;
    if (!force && this.options.nowMs() - this.lastFailureAt < FAILURE_BACKOFF_MS) {
      return Promise.reject(new IssuerUnavailableError(new Error('the last fetch failed moments ago')));
    }
    this.loading = this.fetchAll()
      .catch((error: unknown) => {
        this.lastFailureAt = this.options.nowMs();
        // Stale keys are better than none: only a first load fails requests.
        if (!this.keys || !this.meta) throw error instanceof IssuerUnavailableError ? error : new IssuerUnavailableError(error);
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  private async fetchAll(): Promise<void> {
    const stale = !this.meta || this.options.nowMs() - this.meta.fetchedAt >= this.options.refreshMs;
    if (stale) this.meta = { value: await this.fetchMetadata(), fetchedAt: this.options.nowMs() };
    this.keys = await this.fetchKeys(this.meta!.value.jwksUri);
  }

  private async fetchJson(url: string): Promise<unknown> {
    const response = await this.options.fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    return response.json();
  }

  private async fetchMetadata(): Promise<IssuerMetadata> {
    const url = `${this.options.issuer}/.well-known/openid-configuration`;
    const document = (await this.fetchJson(url)) as Record<string, unknown>;
    // OpenID Connect Discovery section 4.3: the issuer must match exactly.
    if (document.issuer !== this.options.issuer) {
      throw new Error(`${url} names issuer ${JSON.stringify(document.issuer)}, expected ${JSON.stringify(this.options.issuer)}`);
    }
    if (typeof document.jwks_uri !== 'string' || !URL.canParse(document.jwks_uri)) throw new Error(`${url} has no jwks_uri`);
    const isNumber = (item: unknown) => typeof item === 'number' && Number.isFinite(item);
    const ranks = isRecordOf(document.stepwise_acr_ranks, isNumber) ? document.stepwise_acr_ranks : {};
    const lifetimes = isRecordOf(document.stepwise_acr_lifetimes, isNumber) ? document.stepwise_acr_lifetimes : {};
    return {
      issuer: document.issuer,
      jwksUri: document.jwks_uri,
      acrRanks: this.options.acrRanks ?? ranks,
      acrLifetimes: this.options.acrLifetimes ?? lifetimes,
    };
  }

  private async fetchKeys(jwksUri: string): Promise<KeySet> {
    const document = (await this.fetchJson(jwksUri)) as { keys?: unknown };
    if (!Array.isArray(document.keys)) throw new Error(`${jwksUri} is not a JWK set`);
    const all = (document.keys as JWK[]).filter((jwk) => typeof jwk === 'object' && jwk !== null && verifies(jwk));
    const previous = this.keys?.byKid;
    const entries = all.map((jwk): KeyEntry => {
      const known = jwk.kid !== undefined ? previous?.get(jwk.kid) : undefined;
      return known && JSON.stringify(known.jwk) === JSON.stringify(jwk) ? known : { jwk, imported: new Map() };
    });
    const byKid = new Map(entries.filter((entry) => entry.jwk.kid !== undefined).map((entry) => [entry.jwk.kid!, entry]));
    return { byKid, all: entries, byVerifiedHeader: new Map() };
  }
}
