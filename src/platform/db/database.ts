import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { withSpan } from '../observability/tracing.js';

/** Live or test: what a credential may do (real money or sandbox values). */
export type Mode = 'live' | 'test';
export const MODES: readonly Mode[] = ['live', 'test'];
/** A partner's own sandbox: test mode, in a schema of its own (platform/db/sandboxes.ts). */
export type SandboxEnv = `sbx_${string}`;
/**
 * Every credential and every row belongs to one environment; each has its own schema: `live`,
 * `test` (the installation's shared test mode) and one `sbx_…` schema per partner sandbox.
 */
export type Environment = Mode | SandboxEnv;

const SANDBOX = /^sbx_[a-z0-9]{8,40}$/;

/** True for a well-formed sandbox name (safe to use as a schema identifier). */
export function isSandbox(env: string): env is SandboxEnv {
  return SANDBOX.test(env);
}

export function isEnvironment(env: string): env is Environment {
  return env === 'live' || env === 'test' || isSandbox(env);
}

/** The sandboxes in use (not retired), oldest first, as listed in `live.sandboxes` (platform/db/sandboxes.ts). */
export async function activeSandboxes(q: Pick<pg.Pool, 'query'>): Promise<SandboxEnv[]> {
  const { rows } = await q.query<{ env: string }>('SELECT env FROM live.sandboxes WHERE retired_at IS NULL ORDER BY created_at');
  return rows.map((r) => r.env).filter(isSandbox);
}

/** The mode of an environment: sandboxes are test mode. */
export function modeOf(env: Environment): Mode {
  return env === 'live' ? 'live' : 'test';
}

export type Row = Record<string, unknown>;

/** The part of a query result that repositories use. */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number | null;
}

/** Anything that runs SQL: an environment's pool or a transaction's client. */
export interface Queryable {
  /**
   * Runs `sql`. Give hot, fixed statements a `name`: each connection then prepares them once and
   * runs them with one generic plan (`plan_cache_mode = force_generic_plan`), skipping parsing and
   * planning on later calls; planning can cost more than running them. Leave a statement unnamed
   * when its best plan depends on the values, such as `($1 IS NULL OR id > $1)`: an unnamed
   * statement is planned for the values of each call.
   */
  query<R = Row>(sql: string, params?: readonly unknown[], name?: string): Promise<QueryResult<R>>;
  /**
   * Runs `fn` once what was written through this Queryable is committed: after the transaction's
   * COMMIT, never if it rolls back; at once (next tick) for a pool, whose statements commit alone.
   */
  afterCommit(fn: () => void): void;
}

/** The database of one environment: queries run with `search_path` set to its schema. */
export interface EnvDb extends Queryable {
  readonly env: Environment;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

// int8 (counts, money in minor units) is parsed as a JS number: amounts stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

function tracedQuery(target: pg.Pool | pg.PoolClient, env: Environment) {
  return <R = Row>(sql: string, params?: readonly unknown[], name?: string): Promise<QueryResult<R>> =>
    withSpan(
      'db.query',
      { 'db.system.name': 'postgresql', 'db.namespace': env, 'db.query.text': sql.length > 500 ? sql.slice(0, 500) : sql },
      async () => {
        const values = params as unknown[] | undefined;
        const res = await (name ? target.query({ name, text: sql, values }) : target.query(sql, values));
        return { rows: res.rows as R[], rowCount: res.rowCount };
      },
    );
}

/**
 * Set while a transaction's callback runs. Code inside it that takes a second pool connection
 * (a query on the pool, or another transaction) can deadlock the pool under load: every
 * connection held by a transaction waiting for one more. In strict mode (the tests) that is an error.
 */
const insideTransaction = new AsyncLocalStorage<boolean>();

function refuseNested(env: Environment): void {
  if (insideTransaction.getStore()) throw new Error(`a ${env} pool connection was requested inside a transaction; use the transaction's own client`);
}

/**
 * Sets a shared connection's `search_path` to one sandbox before use. A named statement prepared
 * under another sandbox's path is re-planned by PostgreSQL (plan caches check `search_path`).
 */
type Prepare = (client: pg.PoolClient) => Promise<unknown>;

class PoolEnvDb implements EnvDb {
  readonly query: EnvDb['query'];
  constructor(
    readonly env: Environment,
    private readonly pool: pg.Pool,
    private readonly strict: boolean,
    private readonly prepare?: Prepare,
  ) {
    const query = prepare ? this.scopedQuery(prepare) : tracedQuery(pool, env);
    this.query = strict ? (sql, params, name) => (refuseNested(env), query(sql, params, name)) : query;
  }

  private scopedQuery(prepare: Prepare): EnvDb['query'] {
    return async (sql, params, name) => {
      const client = await this.pool.connect();
      try {
        await prepare(client);
        return await tracedQuery(client, this.env)(sql, params, name);
      } finally {
        client.release();
      }
    };
  }

  afterCommit(fn: () => void): void {
    setImmediate(fn);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    if (this.strict) refuseNested(this.env);
    const client = await this.pool.connect();
    const committed: (() => void)[] = [];
    const tx: Queryable = { query: tracedQuery(client, this.env), afterCommit: (f) => void committed.push(f) };
    try {
      await client.query('BEGIN');
      if (this.prepare) await this.prepare(client);
      const result = this.strict ? await insideTransaction.run(true, () => fn(tx)) : await fn(tx);
      await client.query('COMMIT');
      for (const f of committed) setImmediate(f);
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

const SESSION = '-c pg_trgm.word_similarity_threshold=0.5 -c plan_cache_mode=force_generic_plan';

/**
 * One PostgreSQL database holding every environment as a schema of its name: `live`, `test` and
 * the partner sandboxes (`sbx_…`). `live` and `test` have their own pools whose connections pin
 * `search_path`, so a query can only ever see the schema of the credential that asked. Sandboxes
 * share one pool, bounded however many there are; each use of a connection first sets its
 * `search_path` to the sandbox.
 */
export class Database {
  private readonly pools = new Map<Mode, pg.Pool>();
  private readonly envs = new Map<Environment, EnvDb>();
  private readonly sandboxPool: pg.Pool;
  private listed: { at: number; envs: Promise<Environment[]> } | undefined;
  /** A pool with no schema pinned, for migrations and maintenance. */
  readonly admin: pg.Pool;

  /**
   * @param strictTransactions throw when code inside a transaction takes a second connection
   *   (see `insideTransaction`); the tests turn it on.
   */
  constructor(
    readonly url: string,
    private readonly poolSize = 10,
    private readonly strictTransactions = false,
  ) {
    this.admin = new pg.Pool({ connectionString: url, max: 2 });
    this.admin.on('error', () => undefined);
    for (const env of MODES) {
      // pg_trgm's default word-similarity threshold (0.6) misses one-letter typos in short words
      // ("coffe grinder"); 0.5 keeps them without flooding results.
      // Named statements always run their generic plan: PostgreSQL's own choice (`auto`) re-plans
      // `= ANY($1)` lookups on every call, because the generic plan's row estimate looks worse.
      const pool = new pg.Pool({ connectionString: url, max: poolSize, options: `-c search_path=${env},public ${SESSION}` });
      pool.on('error', () => undefined); // an idle client dropped by the server; the pool replaces it
      this.pools.set(env, pool);
      this.envs.set(env, new PoolEnvDb(env, pool, strictTransactions));
    }
    this.sandboxPool = new pg.Pool({ connectionString: url, max: Math.max(2, Math.ceil(poolSize / 2)), idleTimeoutMillis: 10_000, options: `-c search_path=public ${SESSION}` });
    this.sandboxPool.on('error', () => undefined);
  }

  /** The database of `env`. */
  forEnv(env: Environment): EnvDb {
    const db = this.envs.get(env);
    if (db) return db;
    if (!isSandbox(env)) throw new Error(`unknown environment ${String(env)}`);
    const path = `SET search_path TO ${env}, public`;
    const sandbox = new PoolEnvDb(env, this.sandboxPool, this.strictTransactions, (client) => client.query(path));
    this.envs.set(env, sandbox);
    return sandbox;
  }

  /**
   * Every environment background work must visit: live, test and the sandboxes in use (read from
   * `live.sandboxes`, at most once a second).
   */
  environments(): Promise<Environment[]> {
    const now = Date.now();
    if (this.listed && now - this.listed.at < 1000) return this.listed.envs;
    const envs = activeSandboxes(this.admin)
      .then((sandboxes): Environment[] => [...MODES, ...sandboxes])
      .catch((err: unknown) => {
        if ((err as { code?: string }).code === '42P01') return [...MODES]; // not migrated yet
        this.listed = undefined;
        throw err;
      });
    this.listed = { at: now, envs };
    return envs;
  }

  /** Forgets the cached list of sandboxes (one was created or retired by this process). */
  sandboxesChanged(): void {
    this.listed = undefined;
  }

  /** Forgets a dropped sandbox's handle. */
  forget(env: SandboxEnv): void {
    this.envs.delete(env);
    this.sandboxesChanged();
  }

  async ping(): Promise<void> {
    await this.admin.query('SELECT 1');
  }

  async close(): Promise<void> {
    await Promise.all([this.admin.end(), this.sandboxPool.end(), ...[...this.pools.values()].map((p) => p.end())]);
  }
}
