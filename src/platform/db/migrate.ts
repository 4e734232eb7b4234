import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { MODES, activeSandboxes, type Environment } from './database.js';

/** A folder of numbered SQL files (`001_products.sql`) owned by one module. */
export interface MigrationSource {
  module: string;
  dir: string;
}

export interface Migration {
  module: string;
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export const MIGRATION_LOCK_ID = 727_274_001; // pg_advisory_lock key: one migrator at a time across processes

export function load(sources: readonly MigrationSource[]): Migration[] {
  const out: Migration[] = [];
  for (const source of sources) {
    const files = fs.readdirSync(source.dir).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
    for (const file of files) {
      const sql = fs.readFileSync(path.join(source.dir, file), 'utf8');
      out.push({
        module: source.module,
        version: Number(file.slice(0, 3)),
        name: file,
        sql,
        checksum: crypto.createHash('sha256').update(sql).digest('hex'),
      });
    }
  }
  return out;
}

export const LEDGER = (schema: Environment) => `
  CREATE SCHEMA IF NOT EXISTS ${schema};
  CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (
    module text NOT NULL,
    version int NOT NULL,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (module, version)
  );`;

async function applied(client: pg.PoolClient | pg.Pool, schema: Environment): Promise<Map<string, string>> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [`${schema}.schema_migrations`]);
  if (!exists.rows[0]?.t) return new Map();
  const res = await client.query<{ module: string; version: number; checksum: string }>(
    `SELECT module, version, checksum FROM ${schema}.schema_migrations`,
  );
  return new Map(res.rows.map((r) => [`${r.module}/${r.version}`, r.checksum]));
}

/** live and test, then every sandbox not retired (listed in live.sandboxes once live is migrated). */
async function schemas(client: pg.PoolClient | pg.Pool): Promise<Environment[]> {
  const listed = await client.query<{ t: string | null }>(`SELECT to_regclass('live.sandboxes') AS t`);
  if (!listed.rows[0]?.t) return [...MODES];
  return [...MODES, ...(await activeSandboxes(client))];
}

/**
 * Runs migration `m` in `schema` and records it in the schema's ledger, on `client` inside the
 * caller's transaction (`migrate` gives each file its own; a new sandbox takes them all in one).
 */
export async function applyMigration(client: pg.PoolClient | pg.Client, schema: Environment, m: Migration): Promise<void> {
  await client.query(`SET LOCAL search_path TO ${schema}, public`);
  await client.query(m.sql);
  await client.query(`INSERT INTO ${schema}.schema_migrations (module, version, name, checksum) VALUES ($1, $2, $3, $4)`, [m.module, m.version, m.name, m.checksum]);
}

/**
 * Brings every environment's schema up to date. Each file runs in its own transaction with
 * `search_path` set to the schema, so module SQL never names a schema. An edited migration that
 * was already applied is an error: migrations are append-only.
 * Returns the names of the files applied.
 */
export async function migrate(pool: pg.Pool, sources: readonly MigrationSource[]): Promise<string[]> {
  const migrations = load(sources);
  const client = await pool.connect();
  const done: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    for (const schema of await schemas(client)) {
      await client.query(LEDGER(schema));
      const have = await applied(client, schema);
      for (const m of migrations) {
        const key = `${m.module}/${m.version}`;
        const checksum = have.get(key);
        if (checksum === m.checksum) continue;
        if (checksum !== undefined) throw new Error(`Migration ${m.module}/${m.name} was changed after it was applied to ${schema}`);
        await client.query('BEGIN');
        try {
          await applyMigration(client, schema, m);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`Migration ${m.module}/${m.name} failed on ${schema}: ${(err as Error).message}`);
        }
        done.push(`${schema}:${m.module}/${m.name}`);
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    client.release();
  }
  return done;
}

/** Names the migrations not yet applied in some environment (empty when the schema is current). */
export async function pendingMigrations(pool: pg.Pool, sources: readonly MigrationSource[]): Promise<string[]> {
  const migrations = load(sources);
  const pending: string[] = [];
  for (const schema of await schemas(pool)) {
    const have = await applied(pool, schema);
    for (const m of migrations) if (have.get(`${m.module}/${m.version}`) !== m.checksum) pending.push(`${schema}:${m.module}/${m.name}`);
  }
  return pending;
}
