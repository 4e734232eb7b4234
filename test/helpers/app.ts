import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { withDatabase } from '../../src/platform/db/sql.js';
import type { Logger } from 'pino';
import { inject } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { Database, type Mode } from '../../src/platform/db/database.js';
import { InvalidationBus } from '../../src/platform/db/invalidation.js';
import { ulidIds } from '../../src/platform/crypto/ids.js';
import { createLogger } from '../../src/platform/observability/logger.js';
import { Metrics } from '../../src/platform/observability/metrics.js';
import type { RunningEmulators } from '../../src/modules/payments/index.js';
import { assertContract, contractValidator, type ContractValidator, type OpenApiDocument } from './contract.js';

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
  /**
   * `inject` with a bearer key (default: the test secret key) and a JSON body. The response is
   * validated against the OpenAPI contract of its route and status (test/helpers/contract.ts);
   * `contract: false` skips that for a deliberately off-contract call; keep it rare and say why.
   */
  call(method: string, url: string, opts?: { key?: string | null; body?: unknown; headers?: Record<string, string>; contract?: boolean }): Promise<LightMyRequestResponse>;
  /** The validator of this app's OpenAPI document (the same one `call` and `app.inject` use). */
  contract: ContractValidator;
  close(): Promise<void>;
}

/** Builds the real app on its own database, with keys for test and live mode and captured logs. */
export async function startTestApp(options: { env?: NodeJS.ProcessEnv; database?: { url: string; drop(): Promise<void> }; now?: () => Date } = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const config = loadConfig({ TESSERA_RATE_LIMIT: '100000/1', TESSERA_PAYMENT_TIMEOUT_MS: '3000', TESSERA_SANDBOX_SEED_PRODUCTS: '20', ...options.env });
  const db = new Database(database.url, 5, true);
  const bus = new InvalidationBus(database.url);
  await bus.start();
  const logs: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _enc, cb) => (logs.push(chunk.toString()), cb()) }));
  const metrics = new Metrics(); // with the default process metrics, as in production
  const built = await buildApp({ config, db, bus, logger, metrics, ...(options.now ? { now: options.now } : {}) });
  const ids = ulidIds();
  const mk = async (env: Mode, type: 'secret' | 'publishable') => (await built.modules.developers.keys.create(env, ids, { type })).secret;
  const keys = { secret: await mk('test', 'secret'), liveSecret: await mk('live', 'secret'), publishable: await mk('test', 'publishable') };
  const contract = contractValidator(built.app.swagger() as unknown as OpenApiDocument);
  const rawInject = validateInjections(built.app, contract);
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
    contract,
    call: async (method, url, opts = {}) => {
      const key = opts.key === undefined ? keys.secret : opts.key;
      const headers: Record<string, string> = { ...(key ? { authorization: `Bearer ${key}` } : {}), ...opts.headers };
      const res = await rawInject({ method, url, headers, ...(opts.body !== undefined ? { payload: opts.body as object } : {}) });
      if (opts.contract !== false) assertContract(contract, method, url, res);
      return res;
    },
    close: async () => {
      await built.app.close();
      await bus.close();
      await db.close();
      await database.drop();
    },
  };
}

/**
 * Makes `app.inject(options)` validate each response against the contract too, so tests that
 * inject directly are covered; the chained and callback forms pass through unchecked.
 * Returns the unchecked inject for `call`, which validates on its own (and can opt out).
 */
function validateInjections(app: App['app'], contract: ContractValidator): (opts: InjectOptions) => Promise<LightMyRequestResponse> {
  const raw = app.inject.bind(app) as (opts?: InjectOptions | string, cb?: unknown) => Promise<LightMyRequestResponse>;
  const checked = (opts?: InjectOptions | string, cb?: unknown) => {
    if (opts === undefined || cb !== undefined) return raw(opts, cb);
    const o: InjectOptions = typeof opts === 'string' ? { method: 'GET', url: opts } : opts;
    const path = typeof o.url === 'string' ? o.url : typeof o.path === 'string' ? o.path : (o.url?.pathname ?? o.path?.pathname ?? '/');
    const query = o.query && typeof o.query === 'object' && 'fields' in o.query ? `${path.includes('?') ? '&' : '?'}fields=` : '';
    return raw(o).then((res) => (assertContract(contract, String(o.method ?? 'GET'), `${path}${query}`, res), res));
  };
  Object.defineProperty(app, 'inject', { value: checked, configurable: true, writable: true });
  return (opts) => raw(opts);
}

function emulatorsOf(built: App): RunningEmulators {
  const running = built.modules.payments.processors.emulators.test;
  if (!running) throw new Error('the test app has no test-mode emulators');
  return running;
}
