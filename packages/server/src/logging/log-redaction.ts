/**
 * Redacted paths: cookies, tokens and codes never reach the logs.
 */
export const LOG_REDACT = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  '*.password',
  '*.code',
  '*.secret',
];
