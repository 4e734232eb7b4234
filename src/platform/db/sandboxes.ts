import crypto from 'node:crypto';
import pg from 'pg';
import { isSandbox, type Database, type Queryable, type SandboxEnv } from './database.js';
import { applyMigration, LEDGER, load, MIGRATION_LOCK_ID, type MigrationSource } from './migrate.js';

/** Fills a new sandbox (its demo store), inside the transaction that creates it. */
export type SandboxSeed = (tx: Queryable, env: SandboxEnv) => Promise<void>;

export interface SandboxOptions {
  migrations: readonly MigrationSource[];
  seed: SandboxSeed;
  /** How long a retired sandbox's schema stays before it is dropped, so requests already running in it finish. */
  graceMs: number;
}

/**
 * Partner sandboxes: each is a schema of its own (`sbx_` and 24 hex characters), migrated like
 * `live` and `test`, seeded with the demo store, and listed in `live.sandboxes` so background work
 * visits it and later migrations reach it. A reset is a new sandbox: the partner is pointed at it
 * in one update, and the old one is retired, then dropped after a grace period. Nothing is ever
 * half-made: a sandbox is created, migrated, seeded and listed in one transaction.
 */
export class Sandboxes {
  constructor(
    private readonly db: Database,
    private readonly options: SandboxOptions,
  ) {}

  /** A new, seeded sandbox. Serialised with migrations (their advisory lock), so it is made from the current schema. */
  async create(): Promise<SandboxEnv> {
    const env: SandboxEnv = `sbx_${crypto.randomBytes(12).toString('hex')}`;
    // a connection of its own: making a sandbox takes a while, and the admin pool serves background work meanwhile
    const client = new pg.Client({ connectionString: this.db.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
      await client.query(LEDGER(env));
      for (const m of load(this.options.migrations)) await applyMigration(client, env, m);
      const committed: (() => void)[] = [];
      // statements run unnamed: this admin connection serves every sandbox, and is not worth preparing on
      const tx: Queryable = {
        query: async <R>(sql: string, params?: readonly unknown[]) => {
          const res = await client.query(sql, params as unknown[] | undefined);
          return { rows: res.rows as R[], rowCount: res.rowCount };
        },
        afterCommit: (fn) => void committed.push(fn),
      };
      await this.options.seed(tx, env);
      await client.query('INSERT INTO live.sandboxes (env) VALUES ($1)', [env]);
      await client.query('COMMIT');
      for (const fn of committed) setImmediate(fn);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await client.end().catch(() => undefined);
    }
    this.db.sandboxesChanged();
    return env;
  }

  /** Stops background work visiting `env` (in every process within a second); `dropRetired` removes it later. */
  async retire(tx: Queryable, env: SandboxEnv): Promise<void> {
    await tx.query('UPDATE live.sandboxes SET retired_at = now() WHERE env = $1 AND retired_at IS NULL', [env]);
    tx.afterCommit(() => this.db.sandboxesChanged());
  }

  /** Drops the schemas of sandboxes retired longer ago than the grace period; returns how many. */
  async dropRetired(): Promise<number> {
    const { rows } = await this.db.admin.query<{ env: SandboxEnv }>(
      `SELECT env FROM live.sandboxes WHERE retired_at < now() - make_interval(secs => $1) ORDER BY retired_at LIMIT 20`,
      [this.options.graceMs / 1000],
    );
    let dropped = 0;
    for (const { env } of rows) {
      if (!isSandbox(env)) continue;
      const client = await this.db.admin.connect();
      try {
        await client.query('BEGIN');
        const gone = await client.query('DELETE FROM live.sandboxes WHERE env = $1 AND retired_at IS NOT NULL', [env]);
        if (gone.rowCount) await client.query(`DROP SCHEMA IF EXISTS ${env} CASCADE`);
        await client.query('COMMIT');
        if (gone.rowCount) dropped++;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
      this.db.forget(env);
    }
    return dropped;
  }
}
