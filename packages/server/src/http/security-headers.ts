import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/** What helmet's middleware does to a response: headers set and removed, in order. */
type HeaderChange = readonly ['set', string, string | number | readonly string[]] | readonly ['remove', string];

/*
 * With static options helmet sets the same headers on every response, so
 * its middleware runs once, on a recorder, and each request replays what
 * it did: 12 nested middlewares were 3–5% of a decision API call. A
 * directive given as a function (a nonce per request) makes the answer
 * depend on the request, and then the middleware runs on each one.
 */
function recordHeaders(apply: ReturnType<typeof helmet>): readonly HeaderChange[] | undefined {
  const changes: HeaderChange[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      changes.push(['set', name, value]);
      return recorder;
    },
    removeHeader(name: string) {
      changes.push(['remove', name]);
    },
  };
  let failed = false;
  apply({} as never, recorder as unknown as ServerResponse, (error?: unknown) => {
    failed = error !== undefined;
  });
  return failed ? undefined : changes;
}

function hasFunctionDirective(options: HelmetOptions): boolean {
  const csp = options.contentSecurityPolicy;
  if (typeof csp !== 'object' || csp === null) return false;
  return Object.values(csp.directives ?? {}).some((value) => typeof value === 'function' || (Array.isArray(value) && value.some((item) => typeof item === 'function')));
}

/**
 * Helmet's security headers on every answer, with one middleware built at
 * start (`@fastify/helmet` built a new one on every request) and, for
 * static options, its headers computed once.
 *
 * @param app - the Fastify instance
 * @param options - helmet's options (the Content-Security-Policy directives)
 * @example
 * ```ts
 * registerSecurityHeaders(app, { contentSecurityPolicy: { directives: { 'script-src': ["'self'"] } } });
 * ```
 */
export function registerSecurityHeaders(app: FastifyInstance, options: HelmetOptions): void {
  const apply = helmet(options);
  const changes = hasFunctionDirective(options) ? undefined : recordHeaders(apply);
  if (changes) {
    app.addHook('onRequest', (_request, reply, done) => {
      const response = reply.raw;
      for (const change of changes) {
        if (change[0] === 'set') response.setHeader(change[1], change[2]);
        else response.removeHeader(change[1]);
      }
      done();
    });
    return;
  }
  app.addHook('onRequest', (request, reply, done) => {
    apply(request.raw, reply.raw, (error?: unknown) => done(error instanceof Error ? error : undefined));
  });
}
