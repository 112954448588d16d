import type { RequestHandler } from 'express';

/**
 * Security headers for every response. The Content Security Policy allows
 * scripts from the bank's origin only (no inline script anywhere), and
 * network calls to the bank and to Stepwise, whose discovery, token and
 * logout endpoints the client SDK calls from the browser.
 *
 * @param issuer - the Stepwise issuer URL
 * @example
 * ```ts
 * app.use(securityHeaders('http://localhost:3000'));
 * ```
 */
export function securityHeaders(issuer: string): RequestHandler {
  const policy = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${new URL(issuer).origin}`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return (_req, res, next) => {
    res.set({
      'content-security-policy': policy,
      // The callback URL carries the authorization code: never send it on.
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    });
    next();
  };
}
