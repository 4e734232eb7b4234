import path from 'node:path';
import { parseFieldKeys, type FieldKeyring } from './platform/crypto/fields.js';

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
  /** Partner sandboxes: demo products each is seeded with, and how long a reset's old sandbox lives on for requests in flight. */
  sandbox: { seedProducts: number; graceSeconds: number };
  idempotencyRetentionHours: number;
  /** How long a test-mode call with `Tessera-Simulate: timeout` is held before its 504. */
  simulateTimeoutMs: number;
  rateLimit: { quota: number; windowSeconds: number };
  productCacheSize: number;
  /** TTLs per category segment (top-level category handle); `default` applies to the rest. */
  cacheTtls: Record<string, CacheTtl> & { default: CacheTtl };
  dbPoolSize: number;
  /** How long a checkout's stock reservation holds its units before the expiry job releases them. */
  reservationTtlSeconds: number;
  /** Payment processors, routing, timeouts and circuit breakers (src/modules/payments/README.md). */
  payments: PaymentsConfig;
  /** How long an untouched cart lives; every change extends it. */
  cartTtlSeconds: number;
  /** An open cart with items untouched this long counts as abandoned (once) in the metrics. */
  cartAbandonAfterSeconds: number;
  /** The outbox dispatcher and event retention; `natsUrl` also streams every event to NATS JetStream. */
  events: { batchSize: number; pollMs: number; lingerMs: number; retentionDays: number; natsUrl: string | undefined; natsStream: string };
  /** Outbound webhook delivery. */
  webhooks: WebhooksConfig;
  /**
   * Secrets carriers sign their tracking webhooks with, per environment and carrier. Test mode
   * without one gets a random secret per process (shared with the in-process carrier emulators).
   */
  carrierSecrets: Partial<Record<'live' | 'test', Partial<Record<string, string>>>>;
  /** Marketplace settlements: funds are paid out `holdDays` after delivery; the run job fires every `intervalMinutes`. */
  settlements: { holdDays: number; intervalMinutes: number };
  /** Recommendation models (#7): the refresh job fires every `refreshMinutes`; popularity and affinity decay with `halfLifeDays`. */
  personalization: { refreshMinutes: number; halfLifeDays: number };
  /** Marketplace commission (modules/marketplace/commission.ts); sellers' own terms override it. */
  commission: CommissionConfig;
  /** Who keeps a seller order's share of the order's shipping: the platform (default) or the seller. */
  sellerShippingPayee: 'platform' | 'seller';
  /**
   * Keys of field-level encryption (seller payout details), from `TESSERA_FIELD_KEYS`
   * (`<id>:<base64 32 bytes>,…`, the first seals, all open). Unset: each database keeps a
   * development key in `platform_state` (platform/crypto/fields.ts); `NODE_ENV=production` refuses that.
   */
  fieldKeys: FieldKeyring | undefined;
  /**
   * Partner OAuth: the access tokens' `iss` and `aud`, their lifetime (default 15 minutes), the age
   * at which the signing key rotates (default 30 days), and the per-IP budget of the public partner
   * signup (`TESSERA_PARTNER_SIGNUP_RATE_LIMIT`, default `10/3600`).
   */
  oauth: { issuer: string; audience: string; tokenTtlSeconds: number; signingKeyMaxAgeSeconds: number; signupRateLimit: { quota: number; windowSeconds: number } };
}

export interface CommissionConfig {
  /** The default rate in parts per million (100000 = 10 %). */
  ratePpm: number;
  /** By category id (the deepest matching category wins), from `cat_x=120000,cat_y=80000`. */
  categoryRatesPpm: Record<string, number>;
  /** Added once per seller order, in minor units. */
  fixedFee: number;
  /** The least a seller order pays, in minor units. */
  minimumFee: number;
}

function parseCategoryRates(raw: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9_]{1,64})=(\d{1,7})$/.exec(part);
    if (!m || Number(m[2]) > 1_000_000) throw new ConfigError(`TESSERA_COMMISSION_CATEGORY_RATES must look like "cat_x=120000,cat_y=80000" (rates in ppm, at most 1000000), got "${raw}"`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

function ppm(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = int(env, name, fallback);
  if (value > 1_000_000) throw new ConfigError(`${name} is a rate in parts per million, at most 1000000, got "${env[name]}"`);
  return value;
}

function parseShippingPayee(raw: string | undefined): 'platform' | 'seller' {
  if (!raw || raw === 'platform') return 'platform';
  if (raw === 'seller') return 'seller';
  throw new ConfigError(`TESSERA_SELLER_SHIPPING_PAYEE must be "platform" or "seller", got "${raw}"`);
}

export interface WebhooksConfig {
  /** Deliveries claimed per pass. */
  batchSize: number;
  /** Requests in flight at once per process. */
  concurrency: number;
  /** How often an idle delivery worker looks for due deliveries. */
  pollMs: number;
  /** Request timeout (15 s, as Standard Webhooks asks). */
  timeoutMs: number;
  /** Response bytes read at most; the rest is dropped. */
  maxResponseBytes: number;
  /** Test mode may deliver to loopback and private addresses (local receivers); live mode never does. */
  testAllowPrivate: boolean;
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

function parseRateLimit(raw: string | undefined, name = 'TESSERA_RATE_LIMIT'): Config['rateLimit'] {
  if (!raw) return { quota: 100, windowSeconds: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(raw);
  if (!m) throw new ConfigError(`${name} must look like "100/1" (requests per window seconds), got "${raw}"`);
  return { quota: Number(m[1]), windowSeconds: Number(m[2]) };
}

/** Where a processor is reached: its base URL and Bearer key. */
export interface ProcessorEndpointConfig {
  url: string;
  apiKey: string;
}

export interface PaymentsConfig {
  /** Processor order per currency (upper-case ISO 4217); `*` applies to the other currencies. */
  routes: Record<string, string[]> & { '*': string[] };
  /** Timeout of each processor request, in ms; must exceed the emulators' tok_slow latency (2 s). */
  timeoutMs: number;
  /** Consecutive unavailable or ambiguous answers that open a processor's circuit. */
  breakerThreshold: number;
  /** How long an open circuit waits before letting one test request through (half-open). */
  breakerHalfOpenMs: number;
  /** Live-mode processors; one left unset is an in-process emulator. Test mode always uses emulators. */
  live: { simpay?: ProcessorEndpointConfig; altpay?: ProcessorEndpointConfig };
  /** TESSERA_LIVE_EMULATORS=1: live mode takes in-process emulators for the processors it has no URL for (demos only). */
  liveEmulators: boolean;
}

const PAYMENT_PROCESSORS = ['simpay', 'altpay'];

function parsePayments(env: NodeJS.ProcessEnv): PaymentsConfig {
  const raw = env.TESSERA_PAYMENT_ROUTES || '*=simpay,altpay';
  const routes: Record<string, string[]> = {};
  for (const part of raw.split(';').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\*|[A-Z]{3})=([a-z,]+)$/.exec(part);
    const names = m ? m[2]!.split(',').filter(Boolean) : [];
    if (!m || !names.length || names.some((n) => !PAYMENT_PROCESSORS.includes(n)) || new Set(names).size !== names.length) {
      throw new ConfigError(`TESSERA_PAYMENT_ROUTES must look like "USD=simpay,altpay;*=altpay,simpay" (processors: ${PAYMENT_PROCESSORS.join(', ')}), got "${raw}"`);
    }
    routes[m[1]!] = names;
  }
  const live: PaymentsConfig['live'] = {};
  for (const name of ['simpay', 'altpay'] as const) {
    const url = env[`TESSERA_${name.toUpperCase()}_URL`] || undefined;
    const apiKey = env[`TESSERA_${name.toUpperCase()}_KEY`] || undefined;
    if (!url !== !apiKey) throw new ConfigError(`TESSERA_${name.toUpperCase()}_URL and TESSERA_${name.toUpperCase()}_KEY go together`);
    if (url && apiKey) {
      if (!/^https?:\/\/[^/]+/.test(url)) throw new ConfigError(`TESSERA_${name.toUpperCase()}_URL must be an http(s) URL, got "${url}"`);
      live[name] = { url, apiKey };
    }
  }
  return {
    routes: { ...routes, '*': routes['*'] ?? ['simpay', 'altpay'] },
    timeoutMs: int(env, 'TESSERA_PAYMENT_TIMEOUT_MS', 5000, 100),
    breakerThreshold: int(env, 'TESSERA_PAYMENT_BREAKER_THRESHOLD', 5, 1),
    breakerHalfOpenMs: int(env, 'TESSERA_PAYMENT_BREAKER_HALF_OPEN_MS', 30_000, 1),
    live,
    liveEmulators: env.TESSERA_LIVE_EMULATORS === '1',
  };
}

function parseCarrierSecrets(raw: string | undefined): Config['carrierSecrets'] {
  if (!raw) return {};
  const shape = 'TESSERA_CARRIER_SECRETS must be JSON like {"live":{"ups":"…","fedex":"…"},"test":{…}}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(shape);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new ConfigError(shape);
  const out: Config['carrierSecrets'] = {};
  for (const [env, secrets] of Object.entries(parsed as Record<string, unknown>)) {
    if ((env !== 'live' && env !== 'test') || typeof secrets !== 'object' || secrets === null) throw new ConfigError(shape);
    for (const [carrier, secret] of Object.entries(secrets as Record<string, unknown>)) if (typeof secret !== 'string' || secret.length < 16) throw new ConfigError(`${shape}; each secret at least 16 characters (${env}.${carrier})`);
    out[env] = secrets;
  }
  return out;
}

function parseFieldKeyConfig(env: NodeJS.ProcessEnv): FieldKeyring | undefined {
  const raw = env.TESSERA_FIELD_KEYS;
  if (!raw) {
    if (env.NODE_ENV === 'production') throw new ConfigError('TESSERA_FIELD_KEYS is required when NODE_ENV=production: "<id>:<base64 of 32 random bytes>[,<older id>:<base64>…]", the first one active (e.g. k1:$(openssl rand -base64 32))');
    return undefined;
  }
  try {
    return parseFieldKeys(raw);
  } catch (err) {
    throw new ConfigError(`TESSERA_FIELD_KEYS: ${(err as Error).message}`);
  }
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
    sandbox: { seedProducts: int(env, 'TESSERA_SANDBOX_SEED_PRODUCTS', 200), graceSeconds: int(env, 'TESSERA_SANDBOX_GRACE_SECONDS', 60) },
    idempotencyRetentionHours: int(env, 'TESSERA_IDEMPOTENCY_RETENTION_HOURS', 24, 1),
    simulateTimeoutMs: int(env, 'TESSERA_SIMULATE_TIMEOUT_MS', 10_000),
    rateLimit: parseRateLimit(env.TESSERA_RATE_LIMIT),
    productCacheSize: int(env, 'TESSERA_PRODUCT_CACHE_SIZE', 20_000),
    cacheTtls: parseCacheTtls(env.TESSERA_CACHE_TTLS),
    dbPoolSize: int(env, 'TESSERA_DB_POOL_SIZE', 10, 1),
    reservationTtlSeconds: int(env, 'TESSERA_RESERVATION_TTL_SECONDS', 900, 1),
    payments: parsePayments(env),
    cartTtlSeconds: int(env, 'TESSERA_CART_TTL_SECONDS', 7 * 24 * 3600, 60),
    cartAbandonAfterSeconds: int(env, 'TESSERA_CART_ABANDON_AFTER_SECONDS', 3600, 60),
    events: {
      batchSize: int(env, 'TESSERA_EVENTS_BATCH_SIZE', 200, 1),
      pollMs: int(env, 'TESSERA_EVENTS_POLL_MS', 200, 10),
      lingerMs: int(env, 'TESSERA_EVENTS_LINGER_MS', 50, 0),
      retentionDays: int(env, 'TESSERA_EVENT_RETENTION_DAYS', 30, 1),
      natsUrl: env.NATS_URL || undefined,
      natsStream: env.TESSERA_NATS_STREAM || 'TESSERA_EVENTS',
    },
    carrierSecrets: parseCarrierSecrets(env.TESSERA_CARRIER_SECRETS),
    fieldKeys: parseFieldKeyConfig(env),
    oauth: {
      issuer: env.TESSERA_OAUTH_ISSUER || 'urn:tessera',
      audience: env.TESSERA_OAUTH_AUDIENCE || 'urn:tessera:api',
      tokenTtlSeconds: int(env, 'TESSERA_OAUTH_TOKEN_TTL_SECONDS', 900, 60),
      signingKeyMaxAgeSeconds: int(env, 'TESSERA_OAUTH_SIGNING_KEY_MAX_AGE_SECONDS', 30 * 86_400, 3600),
      signupRateLimit: parseRateLimit(env.TESSERA_PARTNER_SIGNUP_RATE_LIMIT || '10/3600', 'TESSERA_PARTNER_SIGNUP_RATE_LIMIT'),
    },
    settlements: {
      holdDays: int(env, 'TESSERA_SETTLEMENT_HOLD_DAYS', 7, 0),
      intervalMinutes: int(env, 'TESSERA_SETTLEMENT_INTERVAL_MINUTES', 24 * 60, 1),
    },
    personalization: {
      refreshMinutes: int(env, 'TESSERA_MODEL_REFRESH_MINUTES', 60, 1),
      halfLifeDays: int(env, 'TESSERA_MODEL_HALF_LIFE_DAYS', 14, 1),
    },
    commission: {
      ratePpm: ppm(env, 'TESSERA_COMMISSION_RATE_PPM', 100_000),
      categoryRatesPpm: parseCategoryRates(env.TESSERA_COMMISSION_CATEGORY_RATES),
      fixedFee: int(env, 'TESSERA_COMMISSION_FIXED_FEE', 0),
      minimumFee: int(env, 'TESSERA_COMMISSION_MINIMUM_FEE', 0),
    },
    sellerShippingPayee: parseShippingPayee(env.TESSERA_SELLER_SHIPPING_PAYEE),
    webhooks: {
      batchSize: int(env, 'TESSERA_WEBHOOK_BATCH_SIZE', 200, 1),
      concurrency: int(env, 'TESSERA_WEBHOOK_CONCURRENCY', 100, 1),
      pollMs: int(env, 'TESSERA_WEBHOOK_POLL_MS', 200, 10),
      timeoutMs: int(env, 'TESSERA_WEBHOOK_TIMEOUT_MS', 15_000, 100),
      maxResponseBytes: int(env, 'TESSERA_WEBHOOK_MAX_RESPONSE_BYTES', 64 * 1024, 0),
      testAllowPrivate: env.TESSERA_WEBHOOK_TEST_ALLOW_PRIVATE !== '0',
    },
  };
}
