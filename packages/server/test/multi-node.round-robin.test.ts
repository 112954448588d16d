// The round-robin proxy the multi-node tests stand behind: it alternates,
// streams bodies and keeps Host, skips a node that refuses connections (the
// request never reached it, so sending it elsewhere is safe), and fails a
// request whose node died while handling it instead of sending it twice.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { freePort } from './support/free-port.js';
import { SERVED_BY_HEADER, startRoundRobin } from './support/round-robin.js';

async function node(handle: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ server: Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

const echo = (request: IncomingMessage, response: ServerResponse) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => response.end(JSON.stringify({ host: request.headers.host, body: Buffer.concat(chunks).toString() })));
};

test('alternates, keeps Host and bodies, skips a refusing node, and never resends a request a dying node took', { timeout: 10_000 }, async () => {
  const first = await node(echo);
  const dying = await node((request, response) => {
    if (request.url === '/die-before-answering') {
      response.socket?.destroy();
      return;
    }
    if (request.url === '/die-while-answering') {
      // Framed by length, so a short body is visibly short (a close-framed one would look whole).
      response.writeHead(200, { 'content-length': '1000' });
      response.write('partial');
      setTimeout(() => response.socket?.destroy(), 50);
      return;
    }
    echo(request, response);
  });
  const refusing = await freePort();
  const proxy = await startRoundRobin([first.port, dying.port, refusing]);
  try {
    const post = (path: string) => fetch(`${proxy.url}${path}`, { method: 'POST', body: 'x'.repeat(100_000) });
    const answers = [];
    for (let index = 0; index < 4; index++) answers.push(await post('/echo'));
    assert.deepEqual(answers.map((answer) => answer.headers.get(SERVED_BY_HEADER)), ['0', '1', '0', '1'], 'the refusing node is skipped');
    assert.deepEqual(proxy.live, [true, true, false]);
    const body = (await answers[0]!.json()) as { host: string; body: string };
    assert.equal(body.host, new URL(proxy.url).host);
    assert.equal(body.body.length, 100_000);

    proxy.pin(1);
    const early = await post('/die-before-answering');
    assert.equal(early.status, 502, 'a node that took the request and died answers 502');
    await early.arrayBuffer();
    const cut = await post('/die-while-answering').then((answer) => answer.text()).then(() => 'complete', () => 'cut');
    assert.equal(cut, 'cut', 'a body cut by the node is cut for the client too');
    proxy.pin(undefined);
    for (const path of ['/die-before-answering', '/die-while-answering']) {
      assert.equal(first.seen.filter((line) => line === `POST ${path}`).length, 0, `${path} was not sent to another node`);
      assert.equal(dying.seen.filter((line) => line === `POST ${path}`).length, 1, path);
    }
  } finally {
    await proxy.close();
    first.server.close();
    dying.server.close();
  }
});
