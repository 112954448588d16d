import { AuthorizationDetailsError } from './authorization-details-error.js';

// A lone surrogate is not a Unicode scalar value: I-JSON (RFC 7493), and so
// RFC 8785, refuses it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Any UTF-16 surrogate: most strings have none, and skip the full check. */
const SURROGATE = /[\uD800-\uDFFF]/;

function hasLoneSurrogate(text: string): boolean {
  return SURROGATE.test(text) && LONE_SURROGATE.test(text);
}

/** Where a value sits, for error messages only: built into text only when one is thrown. */
interface PathStep {
  readonly parent: PathStep | undefined;
  readonly key: string | number;
}

function pathText(step: PathStep | undefined): string {
  if (step === undefined) return '';
  const parent = pathText(step.parent);
  if (typeof step.key === 'number') return `${parent}[${step.key}]`;
  return parent === '' ? step.key : `${parent}.${step.key}`;
}

function write(value: unknown, path: PathStep | undefined, out: string[]): void {
  if (value === null || typeof value === 'boolean') {
    out.push(String(value));
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new AuthorizationDetailsError(pathText(path), 'numbers must be finite');
    // ECMAScript's Number-to-string is exactly RFC 8785 section 3.2.2.3 (and -0 gives "0").
    out.push(JSON.stringify(value));
    return;
  }
  if (typeof value === 'string') {
    if (hasLoneSurrogate(value)) throw new AuthorizationDetailsError(pathText(path), 'strings must be valid Unicode (a lone surrogate was found)');
    // JSON.stringify escapes exactly as RFC 8785 section 3.2.2.2 asks.
    out.push(JSON.stringify(value));
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    for (let index = 0; index < value.length; index++) {
      if (index > 0) out.push(',');
      write(value[index], { parent: path, key: index }, out);
    }
    out.push(']');
    return;
  }
  if (isPlainObject(value)) {
    // The default sort compares UTF-16 code units, which is RFC 8785 section 3.2.3's order.
    const keys = Object.keys(value).sort();
    out.push('{');
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index]!;
      if (index > 0) out.push(',');
      if (hasLoneSurrogate(key)) throw new AuthorizationDetailsError(pathText(path), 'property names must be valid Unicode (a lone surrogate was found)');
      out.push(JSON.stringify(key), ':');
      write(value[key], { parent: path, key }, out);
    }
    out.push('}');
    return;
  }
  throw new AuthorizationDetailsError(pathText(path), `${typeof value} is not a JSON value`);
}

/**
 * The JSON Canonicalization Scheme (RFC 8785) form of a JSON value: no
 * whitespace, object members sorted by the UTF-16 code units of their
 * names, numbers in their shortest ECMAScript form (`1.0`, `1` and `1e0`
 * are all `1`), strings escaped as `JSON.stringify` does. Unicode is not
 * normalised: `"é"` typed as one code point and as `e` plus a combining
 * accent are different strings, as the user saw different bytes.
 *
 * @param value - a JSON value (plain objects, arrays, strings, finite numbers, booleans, null)
 * @returns the canonical text
 * @throws {@link AuthorizationDetailsError} for non-finite numbers, lone surrogates or non-JSON values
 * @example
 * ```ts
 * canonicalJson({ b: 1.0, a: 'x' }); // '{"a":"x","b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, undefined, out);
  return out.join('');
}
