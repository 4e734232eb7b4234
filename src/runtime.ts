import pg from 'pg';
import type { Config } from './config.js';
import { MIGRATIONS } from './migrations.js';
import { Database } from './platform/db/database.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './platform/db/embedded.js';
import { lockDataDir } from './platform/db/lock.js';
import { migrate } from './platform/db/migrate.js';
import { withDatabase } from './platform/db/sql.js';

export interface Runtime {
  db: Database;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

async function ensureDatabase(maintenanceUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  return withDatabase(maintenanceUrl, name);
}

/**
 * Opens the database: the server at DATABASE_URL, or else an embedded PostgreSQL in the data
 * directory, owned through its lock file. Migrates both environments before returning.
 */
export async function openRuntime(config: Config, log: (line: string) => void = () => {}): Promise<Runtime> {
  let url = config.databaseUrl;
  let embedded: EmbeddedServer | undefined;
  let release: (() => void) | undefined;
  if (!url) {
    release = lockDataDir(config.dataDir);
    try {
      embedded = await startEmbeddedPostgres(config.dataDir, log);
      url = await ensureDatabase(embedded.url, 'tessera');
    } catch (err) {
      await embedded?.stop();
      release();
      throw err;
    }
  }
  const db = new Database(url, config.dbPoolSize);
  const close = async () => {
    await db.close().catch(() => undefined);
    await embedded?.stop();
    release?.();
  };
  try {
    await migrate(db.admin, MIGRATIONS);
  } catch (err) {
    await close();
    throw err;
  }
  return { db, url, embedded: embedded !== undefined, close };
}
