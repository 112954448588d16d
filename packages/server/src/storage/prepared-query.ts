import { CompiledQuery, type Compilable, type QueryResult } from 'kysely';
import type { Db } from './database.js';

/*
 * Kysely builds a tree of frozen nodes for every query and compiles it to
 * SQL on every call: 25 to 80 µs for the queries of a sign-in, more than a
 * tenth of a sign-in's time beside its hash. The SQL of a query shape never
 * changes (values are parameters), so the hot queries are built and
 * compiled once per engine and then run with new values.
 */

/** Stands for the caller's value at `index` while a prepared query is built once. */
class Slot {
  constructor(readonly index: number) {}
}

/** Where each parameter of the compiled SQL comes from: a caller's value, or a constant of the shape. */
type Source = { readonly slot: number } | { readonly constant: unknown };

/** A query shape compiled once per engine; see {@link prepareQuery}. */
export interface PreparedQuery<A extends readonly unknown[], R> {
  /**
   * Runs the query with these values, on a database or inside a transaction.
   *
   * @param db - database or open transaction
   * @param values - in the order `build` takes them
   */
  execute(db: Db, ...values: A): Promise<QueryResult<R>>;
}

/**
 * A query shape that is built and compiled once per database engine, then
 * run with new values: the same SQL and parameters as building it each
 * time, without the cost. `build` receives stand-ins for the values, so it
 * must use each one only as a value of the query (a column value, a
 * comparison operand, `eb.val`, a `sql` template argument) and never look
 * at it: no `??`, no branches, no arithmetic in JavaScript. Pass `null`
 * rather than leave a value `undefined`. Plugins are not applied to
 * prepared queries (the handles `openDatabase` returns have none).
 *
 * @param build - the query, from a database handle and the values' stand-ins
 * @returns the prepared query
 * @example
 * ```ts
 * const userByName = prepareQuery((db: Db, username: string) => db.selectFrom('users').selectAll().where('username', '=', username));
 * const { rows } = await userByName.execute(db, 'alice');
 * ```
 */
export function prepareQuery<A extends readonly unknown[], R>(build: (db: Db, ...values: A) => Compilable<R>): PreparedQuery<A, R> {
  // By adapter class: SQLite and PostgreSQL compile to different SQL; every database of one engine, the same.
  const shapes = new Map<unknown, { readonly sql: string; readonly sources: readonly Source[] }>();
  return {
    execute(db, ...values) {
      const engine = db.getExecutor().adapter.constructor;
      let shape = shapes.get(engine);
      if (!shape) {
        const slots = values.map((_, index) => new Slot(index)) as unknown as A;
        const compiled = build(db, ...slots).compile();
        shape = {
          sql: compiled.sql,
          sources: compiled.parameters.map((parameter): Source => (parameter instanceof Slot ? { slot: parameter.index } : { constant: parameter })),
        };
        shapes.set(engine, shape);
      }
      const parameters = shape.sources.map((source) => ('slot' in source ? values[source.slot] : source.constant));
      return db.executeQuery(CompiledQuery.raw(shape.sql, parameters)) as Promise<QueryResult<R>>;
    },
  };
}
