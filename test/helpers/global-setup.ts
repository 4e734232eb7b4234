import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { withDatabase } from '../../src/platform/db/sql.js';
import type { TestProject } from 'vitest/node';
import { MIGRATIONS } from '../../src/migrations.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/platform/db/embedded.js';
import { migrate } from '../../src/platform/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgBaseUrl: string;
    pgTemplate: string;
  }
}

function migrationsHash(): string {
  const h = crypto.createHash('sha256');
  for (const source of MIGRATIONS) {
    for (const f of fs.readdirSync(source.dir).sort()) h.update(f).update(fs.readFileSync(path.join(source.dir, f)));
  }
  return h.digest('hex').slice(0, 12);
}

/**
 * Runs once per `vitest run`: picks the server (DATABASE_URL, or an embedded PostgreSQL in a temp
 * dir) and builds a migrated template database. Each test file then clones the template.
 */
export default async function setup(project: TestProject) {
  let embedded: EmbeddedServer | undefined;
  let dir: string | undefined;
  let base = process.env.DATABASE_URL;
  if (!base) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-test-'));
    fs.chmodSync(dir, 0o755);
    embedded = await startEmbeddedPostgres(dir);
    base = embedded.url;
  }
  const template = `tessera_tpl_${migrationsHash()}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
  if (exists.rowCount === 0) {
    const building = `${template}_${process.pid}`;
    await admin.query(`CREATE DATABASE ${building}`);
    const pool = new pg.Pool({ connectionString: withDatabase(base, building), max: 1 });
    await migrate(pool, MIGRATIONS);
    await pool.end();
    // Renamed only once complete, so a half-built template is never cloned.
    await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`).catch(async () => admin.query(`DROP DATABASE ${building}`));
  }
  await admin.end();
  project.provide('pgBaseUrl', base);
  project.provide('pgTemplate', template);
  return async () => {
    await embedded?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  };
}
