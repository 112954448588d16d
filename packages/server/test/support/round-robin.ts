// A loopback load balancer for multi-node tests: each request goes to the
// next live node in turn, bodies streamed both ways, Host and headers kept.
// A node that refuses a connection is marked down and the request goes to
// the next one, since it never reached a node; a request that did reach a
// node which then died fails to the client (502, or a cut response), as a
// real load balancer's would: it must never be sent twice.
import { request as httpRequest, createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The header each answer carries: the index of the node that served it. */
export const SERVED_BY_HEADER = 'x-round-robin-node';

/** A running round-robin proxy. */
export interface RoundRobin {
  /** `http://127.0.0.1:PORT`: what clients (and the nodes' issuer) use. */
  readonly url: string;
  /** Requests forwarded to each node (those that reached it). */
  readonly served: readonly number[];
  /** Whether each node is still in the rotation. */
  readonly live: readonly boolean[];
  /**
   * Sends every request to one node (`undefined`: back to round robin), for
   * tests that must pin a step of a flow to a node.
   */
  pin(index: number | undefined): void;
  /** Takes a node out of the rotation, or puts it back. */
  setLive(index: number, live: boolean): void;
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>;
}

// Hop-by-hop headers (RFC 9110 section 7.6.1) belong to one connection, never forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const listed = new Set((String(headers.connection ?? '')).split(',').map((name) => name.trim().toLowerCase()));
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name) && !listed.has(name)));
}

function isRefusal(error: NodeJS.ErrnoException): boolean {
  return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH'].includes(error.code ?? '');
}

/**
 * Starts a proxy on a free loopback port in front of nodes on loopback ports.
 *
 * @param ports - the nodes' ports on 127.0.0.1, in order (node 0, node 1, …); read at each request, so a caller may replace a port (a node restarted elsewhere)
 * @example
 * ```ts
 * const proxy = await startRoundRobin([3001, 3002]);
 * await fetch(`${proxy.url}/healthz`); // node 0, then node 1, …
 * await proxy.close();
 * ```
 */
export async function startRoundRobin(ports: readonly number[]): Promise<RoundRobin> {
  const live = ports.map(() => true);
  const served = ports.map(() => 0);
  let pinned: number | undefined;
  let next = 0;

  /** The next live node after those already tried for this request. */
  function choose(tried: ReadonlySet<number>): number | undefined {
    if (pinned !== undefined) return tried.has(pinned) ? undefined : pinned;
    for (let offset = 0; offset < ports.length; offset++) {
      const index = (next + offset) % ports.length;
      if (live[index] && !tried.has(index)) {
        next = (index + 1) % ports.length;
        return index;
      }
    }
    return undefined;
  }

  function fail(response: ServerResponse, status: number, message: string): void {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(message);
  }

  function forward(incoming: IncomingMessage, response: ServerResponse, tried: Set<number>): void {
    const index = choose(tried);
    if (index === undefined) {
      fail(response, 503, 'no live node');
      return;
    }
    tried.add(index);
    const client = incoming.socket;
    const forwardedFor = [incoming.headers['x-forwarded-for'], client.remoteAddress].filter(Boolean).join(', ');
    // A fresh connection per request: a kept-alive socket to a node that just died would make
    // "did it reach the node?" unanswerable.
    const upstream = httpRequest({
      host: '127.0.0.1',
      port: ports[index],
      method: incoming.method,
      path: incoming.url,
      headers: { ...endToEnd(incoming.headers), 'x-forwarded-for': forwardedFor, 'x-forwarded-proto': 'http' },
      agent: false,
    });
    let reached = false;
    upstream.on('socket', (socket: Socket) => {
      const send = () => {
        reached = true;
        served[index]! += 1;
        // Only now is the body read: a refused connection leaves it unread for the next node.
        incoming.pipe(upstream);
      };
      if (socket.connecting) socket.once('connect', send);
      else send();
    });
    upstream.on('response', (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.statusMessage, { ...endToEnd(answer.headers), [SERVED_BY_HEADER]: String(index) });
      answer.pipe(response);
      // The node died while sending the body: the client must see a cut answer, not a short one.
      answer.on('aborted', () => response.destroy());
      answer.on('error', () => response.destroy());
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (isRefusal(error)) live[index] = false;
      if (!reached && isRefusal(error)) {
        forward(incoming, response, tried);
        return;
      }
      fail(response, 502, `node ${index} failed: ${error.code ?? error.message}`);
    });
    // The client went away: so does the request to the node.
    response.on('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
  }

  const server = createServer((incoming, response) => forward(incoming, response, new Set()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    live,
    pin(index) {
      pinned = index;
    },
    setLive(index, state) {
      live[index] = state;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
