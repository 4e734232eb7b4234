import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { withDatabase } from '../../src/platform/db/sql.js';
import type { Logger } from 'pino';
import { inject } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { Database, type Environment } from '../../src/platform/db/database.js';
import { InvalidationBus } from '../../src/platform/db/invalidation.js';
import { ulidIds } from '../../src/platform/crypto/ids.js';
import { createLogger } from '../../src/platform/observability/logger.js';
import { Metrics } from '../../src/platform/observability/metrics.js';
import type { RunningEmulators } from '../../src/modules/payments/index.js';

/** A fresh database cloned from the migrated template; `drop` removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = inject('pgBaseUrl');
  const name = `tessera_t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('pgTemplate')}`);
      break;
    } catch (err) {
      // Two files cloning the template at the same instant: PostgreSQL refuses one; try again.
      if (attempt > 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  await admin.end();
  return {
    url: withDatabase(base, name),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestKeys {
  /** `*` scopes, test mode */
  secret: string;
  /** `*` scopes, live mode */
  liveSecret: string;
  publishable: string;
}

export interface TestApp extends App {
  db: Database;
  bus: InvalidationBus;
  config: Config;
  keys: TestKeys;
  logs: string[];
  logger: Logger;
  metrics: Metrics;
  /** The test-mode payment processor emulators this app talks to over HTTP. */
  emulators: RunningEmulators;
  /** `inject` with a bearer key (default: the test secret key) and a JSON body. */
  call(method: string, url: string, opts?: { key?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** Builds the real app on its own database, with keys for test and live mode and captured logs. */
export async function startTestApp(options: { env?: NodeJS.ProcessEnv; database?: { url: string; drop(): Promise<void> }; now?: () => Date } = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const config = loadConfig({ TESSERA_RATE_LIMIT: '100000/1', TESSERA_PAYMENT_TIMEOUT_MS: '3000', ...options.env });
  const db = new Database(database.url, 5, true);
  const bus = new InvalidationBus(database.url);
  await bus.start();
  const logs: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _enc, cb) => (logs.push(chunk.toString()), cb()) }));
  const metrics = new Metrics(); // with the default process metrics, as in production
  const built = await buildApp({ config, db, bus, logger, metrics, ...(options.now ? { now: options.now } : {}) });
  const ids = ulidIds();
  const mk = async (env: Environment, type: 'secret' | 'publishable') => (await built.modules.developers.keys.create(env, ids, { type })).secret;
  const keys = { secret: await mk('test', 'secret'), liveSecret: await mk('live', 'secret'), publishable: await mk('test', 'publishable') };
  return {
    ...built,
    db,
    bus,
    config,
    keys,
    logs,
    logger,
    metrics,
    emulators: emulatorsOf(built),
    call: (method, url, opts = {}) => {
      const key = opts.key === undefined ? keys.secret : opts.key;
      const headers: Record<string, string> = { ...(key ? { authorization: `Bearer ${key}` } : {}), ...opts.headers };
      return built.app.inject({ method: method as 'GET', url, headers, ...(opts.body !== undefined ? { payload: opts.body as object } : {}) });
    },
    close: async () => {
      await built.app.close();
      await bus.close();
      await db.close();
      await database.drop();
    },
  };
}

function emulatorsOf(built: App): RunningEmulators {
  const running = built.modules.payments.processors.emulators.test;
  if (!running) throw new Error('the test app has no test-mode emulators');
  return running;
}
