/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1). */
export interface AuthChallenge {
  /** The auth-scheme exactly as sent; compare it with {@link isScheme}, schemes are case-insensitive. */
  readonly scheme: string;
  /** The auth-params, names lower-cased (they are case-insensitive), values unquoted and unescaped. */
  readonly params: Readonly<Record<string, string>>;
  /** The token68 form (`Negotiate abc==`), when the challenge uses it instead of params. */
  readonly token68?: string;
}

// RFC 9110 §5.6.2 tchar and §11.2 token68 characters.
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
const TOKEN68_CHAR = /^[A-Za-z0-9\-._~+/]$/;
// CR and LF count as whitespace so that a header copied with its obsolete
// line folding (as in the RFC examples) still reads.
const WHITESPACE = /^[ \t\r\n]$/;

interface ChallengeBuilder {
  scheme: string;
  params: Map<string, string>;
  token68?: string;
}

/** A cursor over the header text; every read stops at the end of the text. */
class Cursor {
  position = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string {
    return this.text.charAt(this.position);
  }

  skipWhitespace(): void {
    while (!this.done && WHITESPACE.test(this.peek())) this.position += 1;
  }

  /** Skips whitespace and the commas of empty list elements (`, ,`). */
  skipSeparators(): void {
    while (!this.done && (WHITESPACE.test(this.peek()) || this.peek() === ',')) this.position += 1;
  }

  readWhile(pattern: RegExp): string {
    const start = this.position;
    while (!this.done && pattern.test(this.peek())) this.position += 1;
    return this.text.slice(start, this.position);
  }

  /** Reads a quoted-string after its opening quote; an unterminated one runs to the end. */
  readQuoted(): string {
    let value = '';
    this.position += 1;
    while (!this.done) {
      const char = this.peek();
      this.position += 1;
      if (char === '"') return value;
      if (char === '\\') {
        if (this.done) break;
        value += this.peek();
        this.position += 1;
      } else {
        value += char;
      }
    }
    return value;
  }

  /** Reads an unquoted value; lenient: anything up to whitespace or a comma. */
  readBareValue(): string {
    const start = this.position;
    while (!this.done && this.peek() !== ',' && !WHITESPACE.test(this.peek())) this.position += 1;
    return this.text.slice(start, this.position);
  }

  /** True when only whitespace separates the cursor from a comma or the end. */
  atElementEnd(): boolean {
    const saved = this.position;
    this.skipWhitespace();
    const atEnd = this.done || this.peek() === ',';
    this.position = saved;
    return atEnd;
  }

  /** Recovery: moves to the next comma that is not inside a quoted string. */
  skipElement(): void {
    let quoted = false;
    while (!this.done) {
      const char = this.peek();
      if (quoted && char === '\\') this.position += 1;
      else if (char === '"') quoted = !quoted;
      else if (char === ',' && !quoted) return;
      this.position += 1;
    }
  }
}

/**
 * Reads a token68 right after a scheme. It only counts when the list
 * element ends after it; otherwise (`realm="x"`, `max_age=5`) the cursor
 * is put back and the text is read as auth-params.
 */
function readToken68(cursor: Cursor): string | undefined {
  const start = cursor.position;
  const body = cursor.readWhile(TOKEN68_CHAR);
  const padding = cursor.readWhile(/^=$/);
  if (body !== '' && cursor.atElementEnd()) return body + padding;
  cursor.position = start;
  return undefined;
}

function freeze(builder: ChallengeBuilder): AuthChallenge {
  const params = Object.freeze(Object.fromEntries(builder.params));
  return Object.freeze(
    builder.token68 === undefined
      ? { scheme: builder.scheme, params }
      : { scheme: builder.scheme, params, token68: builder.token68 },
  );
}

/**
 * Parses a `WWW-Authenticate` header value into its challenges, per
 * RFC 9110 §11.6.1: several challenges separated by commas, auth-params as
 * tokens or quoted strings (with `\` escapes, and commas or `=` inside),
 * optional whitespace around `=` and commas, empty list elements, and the
 * token68 form. Several header lines joined with `", "` (what
 * `Headers.get` returns) parse as one list.
 *
 * Malformed input never throws. Recovery rule: a list element that cannot
 * be read (it starts with a character that is not a token, it is a param
 * with no challenge before it, or text follows a complete param) is skipped
 * up to the next comma outside a quoted string, and parsing goes on; an
 * unterminated quoted string runs to the end of the header. When a param
 * name repeats within a challenge, the first value wins.
 *
 * @param header - the header value; anything that is not a string gives `[]`
 * @returns the challenges in order, never throwing
 * @example
 * ```ts
 * parseWwwAuthenticate('Basic realm="x", Bearer error="invalid_token"');
 * // [{ scheme: 'Basic', params: { realm: 'x' } },
 * //  { scheme: 'Bearer', params: { error: 'invalid_token' } }]
 * ```
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  if (typeof header !== 'string') return [];
  const cursor = new Cursor(header);
  const challenges: ChallengeBuilder[] = [];
  // The challenge that a following auth-param belongs to; none after a token68.
  let current: ChallengeBuilder | undefined;

  for (cursor.skipSeparators(); !cursor.done; cursor.skipSeparators()) {
    const name = cursor.readWhile(TCHAR);
    if (name === '') {
      cursor.skipElement();
      continue;
    }
    cursor.skipWhitespace();

    if (cursor.peek() === '=') {
      // `name = value`: an auth-param of the current challenge.
      cursor.position += 1;
      cursor.skipWhitespace();
      const value = cursor.peek() === '"' ? cursor.readQuoted() : cursor.readBareValue();
      const key = name.toLowerCase();
      if (current && !current.params.has(key)) current.params.set(key, value);
      if (!cursor.atElementEnd()) cursor.skipElement();
      continue;
    }

    // Any other token starts a new challenge.
    current = { scheme: name, params: new Map() };
    challenges.push(current);
    if (cursor.atElementEnd()) continue;
    const token68 = readToken68(cursor);
    if (token68 !== undefined) {
      current.token68 = token68;
      current = undefined;
    }
    // Otherwise the next loop turn reads the first auth-param, which needs no comma before it.
  }
  return challenges.map(freeze);
}

/**
 * Compares a challenge's scheme with a name, case-insensitively as
 * RFC 9110 §11.1 requires.
 *
 * @param challenge - a parsed challenge
 * @param scheme - the scheme name to test, e.g. `Bearer`
 * @example
 * ```ts
 * isScheme({ scheme: 'bearer', params: {} }, 'Bearer'); // true
 * ```
 */
export function isScheme(challenge: AuthChallenge, scheme: string): boolean {
  return challenge.scheme.toLowerCase() === scheme.toLowerCase();
}

/**
 * Returns the first challenge with the given scheme.
 *
 * @param challenges - the output of {@link parseWwwAuthenticate}
 * @param scheme - the scheme name, matched case-insensitively
 * @example
 * ```ts
 * const bearer = findChallenge(parseWwwAuthenticate(header), 'Bearer');
 * if (bearer?.params.error === 'invalid_token') await signIn();
 * ```
 */
export function findChallenge(challenges: readonly AuthChallenge[], scheme: string): AuthChallenge | undefined {
  return challenges.find((challenge) => isScheme(challenge, scheme));
}
