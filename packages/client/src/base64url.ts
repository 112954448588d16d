/**
 * Encodes bytes as unpadded base64url (RFC 4648 §5), with `btoa` so that
 * it runs in browsers and Node alike.
 *
 * @param bytes - the bytes to encode
 * @example
 * ```ts
 * encodeBase64Url(new Uint8Array([251, 255])); // '-_8'
 * ```
 */
export function encodeBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Decodes base64url, padded or not.
 *
 * @param text - base64url text
 * @throws DOMException when the text is not base64url
 * @example
 * ```ts
 * new TextDecoder().decode(decodeBase64Url('eyJhIjoxfQ')); // '{"a":1}'
 * ```
 */
export function decodeBase64Url(text: string): Uint8Array {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
