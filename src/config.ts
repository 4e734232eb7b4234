import path from 'node:path';

/** Cache-Control TTLs (seconds) for one segment of catalog reads. */
export interface CacheTtl {
  maxAge: number;
  sMaxAge: number;
  staleWhileRevalidate: number;
}

/** Typed configuration, read once from the environment and validated at start. */
export interface Config {
  host: string;
  port: number;
  metricsPort: number;
  databaseUrl: string | undefined;
  dataDir: string;
  adminKey: string | undefined;
  redisUrl: string | undefined;
  logLevel: string;
  seedProducts: number;
  idempotencyRetentionHours: number;
  rateLimit: { quota: number; windowSeconds: number };
  productCacheSize: number;
  /** TTLs per category segment (top-level category handle); `default` applies to the rest. */
  cacheTtls: Record<string, CacheTtl> & { default: CacheTtl };
  dbPoolSize: number;
}

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

const DEFAULT_TTL: CacheTtl = { maxAge: 60, sMaxAge: 300, staleWhileRevalidate: 600 };

function parseCacheTtls(raw: string | undefined): Config['cacheTtls'] {
  if (!raw) return { default: DEFAULT_TTL };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('TESSERA_CACHE_TTLS must be JSON: {"default":{"maxAge":60,"sMaxAge":300,"staleWhileRevalidate":600},"<segment>":{...}}');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new ConfigError('TESSERA_CACHE_TTLS must be a JSON object');
  const out: Record<string, CacheTtl> = {};
  for (const [segment, value] of Object.entries(parsed as Record<string, unknown>)) {
    const v = value as Partial<CacheTtl>;
    const ttl = { ...DEFAULT_TTL, ...v };
    for (const k of ['maxAge', 'sMaxAge', 'staleWhileRevalidate'] as const) {
      if (!Number.isInteger(ttl[k]) || ttl[k] < 0) throw new ConfigError(`TESSERA_CACHE_TTLS.${segment}.${k} must be a non-negative integer`);
    }
    out[segment] = ttl;
  }
  return { ...out, default: out.default ?? DEFAULT_TTL };
}

function parseRateLimit(raw: string | undefined): Config['rateLimit'] {
  if (!raw) return { quota: 100, windowSeconds: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(raw);
  if (!m) throw new ConfigError(`TESSERA_RATE_LIMIT must look like "100/1" (requests per window seconds), got "${raw}"`);
  return { quota: Number(m[1]), windowSeconds: Number(m[2]) };
}

/** Reads the configuration from `env`; throws ConfigError with a clear message on bad input. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const adminKey = env.TESSERA_ADMIN_KEY || undefined;
  if (adminKey !== undefined && !/^sk_test_[A-Za-z0-9_]{16,}$/.test(adminKey)) {
    throw new ConfigError('TESSERA_ADMIN_KEY must be a test secret key: "sk_test_" followed by at least 16 letters, digits or underscores');
  }
  return {
    host: env.HOST || '127.0.0.1',
    port: int(env, 'PORT', 8080),
    metricsPort: int(env, 'METRICS_PORT', 9464),
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.TESSERA_DATA_DIR || '.tessera'),
    adminKey,
    redisUrl: env.REDIS_URL || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    seedProducts: int(env, 'TESSERA_SEED_PRODUCTS', 10_000),
    idempotencyRetentionHours: int(env, 'TESSERA_IDEMPOTENCY_RETENTION_HOURS', 24, 1),
    rateLimit: parseRateLimit(env.TESSERA_RATE_LIMIT),
    productCacheSize: int(env, 'TESSERA_PRODUCT_CACHE_SIZE', 20_000),
    cacheTtls: parseCacheTtls(env.TESSERA_CACHE_TTLS),
    dbPoolSize: int(env, 'TESSERA_DB_POOL_SIZE', 10, 1),
  };
}
