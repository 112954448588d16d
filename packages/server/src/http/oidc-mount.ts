import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';

/** The provider's routes (oidc-provider defaults), served at the issuer's root. */
export const OIDC_ROUTES = [
  '/.well-known/openid-configuration',
  '/auth',
  '/auth/*',
  '/token',
  '/token/*',
  '/jwks',
  '/me',
  '/session/*',
  '/request',
] as const;

/**
 * Which key set the provider's `/jwks` shows now: it resolves once the key
 * set is fresh (see `KeyRing.ensureFresh`) to a value that changes whenever
 * the keys are reloaded.
 */
export type KeySetVersion = () => Promise<unknown>;

/** The provider's headers a cached answer repeats (helmet's are set again for every request). */
const CACHED_HEADERS = ['content-type', 'access-control-allow-origin', 'vary'] as const;

interface CachedAnswer {
  readonly version: unknown;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

/**
 * Discovery and the JWKS are the same for every caller until the keys
 * change, and the busiest GETs of an issuer (every API node and relying
 * party fetches them). Their answers are kept in memory and sent without
 * running oidc-provider (about half of their cost in `bench/oidc.bench.mjs`).
 * Only a plain GET without `Origin` is served from memory: CORS answers
 * echo the origin, and HEAD and OPTIONS are rare, so they go to the provider.
 */
function cachedGets(keySetVersion: KeySetVersion): Map<string, { version(): Promise<unknown>; answer?: CachedAnswer }> {
  return new Map([
    ['/.well-known/openid-configuration', { version: async () => 'static' }],
    ['/jwks', { version: keySetVersion }],
  ]);
}

/** Runs the provider on one request and keeps what it sent, when it is a 200 worth caching. */
async function answerAndCapture(callback: (req: IncomingMessage, res: ServerResponse) => Promise<void>, req: IncomingMessage, res: ServerResponse): Promise<{ headers: Array<[string, string]>; body: Buffer } | undefined> {
  let body: Buffer | undefined;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    const [chunk] = args;
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) body = Buffer.from(chunk);
    return end(...args);
  }) as ServerResponse['end'];
  await callback(req, res);
  if (res.statusCode !== 200 || body === undefined) return undefined;
  const headers: Array<[string, string]> = [];
  for (const name of CACHED_HEADERS) {
    const value = res.getHeader(name);
    if (typeof value === 'string') headers.push([name, value]);
  }
  return { headers, body };
}

/**
 * Hands the provider's routes to oidc-provider untouched: bodies are left
 * unread (it parses them itself) and the reply is hijacked. They opt out of
 * Cross-Origin-Opener-Policy, as the sign-in pages do. Discovery and the
 * JWKS are answered from memory once the provider has answered them (see
 * `cachedGets`), the JWKS again by the provider after each key reload.
 *
 * @param app - the Fastify instance
 * @param provider - the oidc-provider instance
 * @param keySetVersion - the key ring's current key set, awaited fresh
 */
export async function mountProvider(app: FastifyInstance, provider: Provider, keySetVersion: KeySetVersion): Promise<void> {
  const callback = provider.callback() as (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  const cached = cachedGets(keySetVersion);
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    for (const path of OIDC_ROUTES) {
      const cache = cached.get(path);
      scope.all(path, async (request, reply) => {
        // The authorization endpoint may run in a popup (the client SDK's
        // popup mode); helmet's COOP same-origin, even on its redirects,
        // would cut the popup off from the application that opened it.
        reply.raw.setHeader('cross-origin-opener-policy', 'unsafe-none');
        reply.hijack();
        const cacheable = cache !== undefined && request.method === 'GET' && request.headers.origin === undefined && request.url === path;
        if (!cacheable) {
          await callback(request.raw, reply.raw);
          return;
        }
        let version: unknown;
        try {
          version = await cache.version();
        } catch {
          // The keys could not be reloaded: the provider answers (and says so) as before.
          await callback(request.raw, reply.raw);
          return;
        }
        const answer = cache.answer;
        if (answer && answer.version === version) {
          for (const [name, value] of answer.headers) reply.raw.setHeader(name, value);
          reply.raw.setHeader('content-length', answer.body.length);
          reply.raw.writeHead(200).end(answer.body);
          return;
        }
        const captured = await answerAndCapture(callback, request.raw, reply.raw);
        if (captured) cache.answer = { version, ...captured };
      });
    }
  });
}
