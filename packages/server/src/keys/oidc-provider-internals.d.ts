// oidc-provider reads `jwks` once, at construction, and offers no way to
// change it. Its own initialiser, called again on a running provider,
// replaces the signing keystore and the published JWKS; provider-keys.ts is
// the one place that relies on it (and a test pins the behaviour).
declare module 'oidc-provider/lib/helpers/initialize_keystore.js' {
  export default function initializeKeystore(this: object, jwks: { keys: readonly object[] }): void;
}
