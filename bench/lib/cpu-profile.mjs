// Summarises a V8 .cpuprofile (from `node --cpu-prof`, or
// `node bench/run.mjs --cpu-prof DIR`): where the time goes, by area
// (the guard, the server, jose, Kysely and SQLite, node internals, GC…) and by function, self and total.
// Usage: node bench/lib/cpu-profile.mjs <file.cpuprofile> [top N]

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const AREAS = [
  ['guard', /packages\/guard\/dist\//],
  ['@stepwise/core', /packages\/core\/dist\//],
  ['@stepwise/server', /packages\/server\/dist\//],
  ['jose', /node_modules\/jose\//],
  ['cel-js', /node_modules\/@marcbachmann\/cel-js\//],
  // Kysely's SQLite driver calls better-sqlite3's native prepare and run:
  // that time shows as its executeQuery and better-sqlite3's prepare.
  ['kysely', /node_modules\/kysely\//],
  ['better-sqlite3', /node_modules\/better-sqlite3\//],
  ['fastify', /node_modules\/(fastify|@fastify\/[^/]+|avvio|find-my-way|light-my-request|fast-json-stringify|secure-json-parse|helmet|pino)\//],
  ['express', /node_modules\/(express|router|body-parser|finalhandler|send|qs|path-to-regexp)\//],
  ['express-oauth2-jwt-bearer', /node_modules\/express-oauth2-jwt-bearer\//],
  ['other npm', /node_modules\//],
  ['bench server', /bench\/guard\//],
  ['node internals', /^node:/],
];

function areaOf({ url, functionName }) {
  if (!url) return functionName.startsWith('(') ? functionName : 'native';
  return AREAS.find(([, pattern]) => pattern.test(url))?.[0] ?? 'other';
}

function frameKey({ functionName, url, lineNumber }) {
  const where = url ? `${url.replace(/^file:\/\/.*?\/(packages|bench)\//, '$1/').replace(/^.*node_modules\//, '')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

/**
 * Self and total time per area and per function.
 *
 * @param {{ nodes: Array<{ id: number, callFrame: object, children?: number[] }>, samples: number[], timeDeltas: number[] }} profile
 * @returns {{ totalMs: number, busyMs: number, areas: Map<string, number>, self: Map<string, number>, total: Map<string, number> }}
 */
export function summarizeProfile(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);
  const areas = new Map();
  const self = new Map();
  const total = new Map();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    const node = byId.get(id);
    add(areas, areaOf(node.callFrame), ms);
    add(self, frameKey(node.callFrame), ms);
    // Each function counts once per sample, however deep its recursion.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const key = frameKey(byId.get(at).callFrame);
      if (!seen.has(key)) {
        seen.add(key);
        add(total, key, ms);
      }
    }
  });
  return { totalMs, busyMs: totalMs - (areas.get('(idle)') ?? 0), areas, self, total };
}

function printTop(heading, map, busyMs, top) {
  console.log(`\n${heading}`);
  const rows = [...map].filter(([key]) => key !== '(idle)' && key !== '(root)').sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [key, ms] of rows) console.log(`${((100 * ms) / busyMs).toFixed(1).padStart(6)}%  ${ms.toFixed(0).padStart(7)} ms  ${key}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/lib/cpu-profile.mjs <file.cpuprofile> [top N]');
    process.exit(2);
  }
  const top = Number(topArg ?? 25);
  const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')));
  console.log(`${file}: ${(summary.totalMs / 1000).toFixed(1)} s sampled, ${(summary.busyMs / 1000).toFixed(1)} s busy (percentages of busy time)`);
  printTop('By area (self time)', summary.areas, summary.busyMs, top);
  printTop('By function (self time)', summary.self, summary.busyMs, top);
  printTop('By function (total time, callees included)', summary.total, summary.busyMs, top);
}
