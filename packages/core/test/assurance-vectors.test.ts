// Every case of the shared assurance vectors (DESIGN.md, Freshness).
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateAssurance, LevelSet, type AuthenticationEvent, type MethodConstraint } from '../src/index.js';
import { DEFAULT_LEVELS } from '../src/levels.js';

interface VectorCase {
  name: string;
  events: { method: AuthenticationEvent['method']; at: number; user_verified?: boolean; backed_up?: boolean }[];
  requirement: { acr: string; max_age?: number; methods?: MethodConstraint[] };
  met: boolean;
  achieved: string | null;
  auth_time?: number;
  amr_includes?: string[];
}
interface Vectors {
  now: number;
  levels: Record<string, { rank: number; lifetime_s: number }>;
  cases: VectorCase[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../../test/vectors/assurance.json', import.meta.url), 'utf8'),
) as Vectors;

test('the vectors use the default levels', () => {
  for (const level of DEFAULT_LEVELS) {
    assert.equal(vectors.levels[level.name]?.rank, level.rank);
    assert.equal(vectors.levels[level.name]?.lifetime_s, level.lifetime);
  }
});

const levels = new LevelSet();
for (const vector of vectors.cases) {
  test(vector.name, () => {
    const events: AuthenticationEvent[] = vector.events.map((event) => ({
      method: event.method,
      at: event.at,
      userVerified: event.user_verified,
      backedUp: event.backed_up,
    }));
    const result = evaluateAssurance(
      events,
      { acr: vector.requirement.acr, maxAge: vector.requirement.max_age, methods: vector.requirement.methods },
      levels,
      vectors.now,
    );
    assert.equal(result.met, vector.met, 'met');
    assert.equal(result.achieved, vector.achieved, 'achieved');
    if (vector.auth_time !== undefined) assert.equal(result.authTime, vector.auth_time, 'auth_time');
    for (const value of vector.amr_includes ?? []) assert.ok(result.amr.includes(value), `amr includes ${value}`);
  });
}
