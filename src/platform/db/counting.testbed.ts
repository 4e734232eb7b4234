import type { EnvDb, Queryable } from './database.js';

/**
 * Wraps an environment's database for tests that count round trips: every statement logs its
 * prepared name (numbered generated names without their number) or the start of its text, and a
 * transaction logs BEGIN and END around its own.
 */
export function countingDb(inner: EnvDb): { db: EnvDb; log: string[] } {
  const log: string[] = [];
  const wrap = (q: Queryable): Queryable => ({
    query: (sql, params, name) => (log.push(name?.replace(/_\d+$/, '') ?? sql.trim().slice(0, 30)), q.query(sql, params, name)),
    afterCommit: (fn) => q.afterCommit(fn),
  });
  const outside = wrap(inner);
  const db: EnvDb = {
    env: inner.env,
    query: (sql, params, name) => outside.query(sql, params, name),
    afterCommit: (fn) => inner.afterCommit(fn),
    transaction: async (fn) => {
      log.push('BEGIN');
      try {
        return await inner.transaction((tx) => fn(wrap(tx)));
      } finally {
        log.push('END');
      }
    },
  };
  return { db, log };
}
