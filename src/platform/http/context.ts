import type { Environment, EnvDb } from '../db/database.js';
import type { IdGenerator } from '../crypto/ids.js';
import type { KeyType } from '../crypto/keys.js';
import type { RequestTrace } from '../observability/tracing.js';

/** Who is calling: an API key resolved from `Authorization: Bearer …`. */
export interface Credential {
  id: string;
  type: KeyType;
  env: Environment;
  scopes: readonly string[];
  /** Set on restricted keys scoped to one marketplace seller. */
  sellerId: string | null;
  /** Set on OAuth access tokens: the partner whose client the token was issued to. */
  partnerId?: string | null;
  /** The API version pinned on the credential; null or absent: the current version serves. */
  apiVersion?: string | null;
}

/**
 * How a route is protected. Every route declares one; a route without is refused at start-up.
 * Seller keys (restricted keys scoped to one marketplace seller) are refused by every route unless
 * it sets `sellers: true`; such a route must confine what it reads and writes to
 * `actor.sellerId` itself. Fail closed: a new route never leaks another seller's data by default.
 */
export type RouteAuth = { public: true } | { scopes: readonly string[]; sellers?: boolean };

/** TTLs for one cacheable read; `segment` picks the configured Cache-Control TTLs. */
export interface Cacheable {
  segment?: string;
  surrogateKeys: readonly string[];
}

/** Per-request state, set up by the platform before any handler runs. */
export interface RequestContext {
  requestId: string;
  trace: RequestTrace;
  version: string;
  credential: Credential | null;
  startedAt: bigint;
  /** Set by `reply.cacheable()`: the response gets ETag, Cache-Control and surrogate keys. */
  cacheable: Cacheable | null;
  idempotencyKey: string | null;
}

/**
 * What every service use case receives: the environment's database, the actor, and the clock and
 * id generator (injected so tests can make time and ids deterministic).
 */
export interface ServiceContext {
  env: Environment;
  db: EnvDb;
  actor: Credential | null;
  requestId: string;
  /** The request's Idempotency-Key, for passing on to a processor so a retried request is one operation there too. */
  idempotencyKey?: string | null;
  /** The request's W3C traceparent: events carry it, so background work links back to the request. */
  traceparent?: string | null;
  /** Campaign labels from the `Tessera-Campaign` request header (`utm_campaign`, or `key=value; …` pairs). */
  campaign?: Record<string, string>;
  now: () => Date;
  ids: IdGenerator;
}

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
  }
  interface FastifyReply {
    /**
     * Marks a 200 as a public, cacheable catalog read: sets Cache-Control from the TTLs of
     * `segment` (or the default), Surrogate-Key and Cache-Tag; the ETag and 304 follow on send.
     */
    cacheable(segment: string | undefined, surrogateKeys: readonly string[]): FastifyReply;
  }
  interface FastifyContextConfig {
    /** Required on every route: public, or the scopes a credential needs. */
    auth?: RouteAuth;
    /** `required` makes a missing Idempotency-Key a 400 (operations that move money). */
    idempotency?: 'optional' | 'required';
    /** false exempts the route from rate limiting (health checks). */
    rateLimit?: boolean;
  }
}
