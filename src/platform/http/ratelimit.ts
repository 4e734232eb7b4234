import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError, Errors } from './errors.js';

export interface RateLimitDecision {
  headers: Record<string, string>;
  allowed: boolean;
  retryAfterSeconds: number;
}

/**
 * A fixed-window limit per credential, reported with the draft-ietf-httpapi-ratelimit-headers-10
 * fields `RateLimit-Policy: "default";q=100;w=1` and `RateLimit: "default";r=42;t=1`.
 * In memory by default; shared across processes through Redis when a URL is given. If Redis is
 * unreachable, an in-memory limiter stands in (rate-limiter-flexible's insurance limiter), so an
 * outage of Redis does not take the API down.
 */
export class RateLimiter {
  private readonly policy: string;

  private constructor(
    readonly quota: number,
    readonly windowSeconds: number,
    private readonly limiter: RateLimiterAbstract,
    private readonly redis: Redis | undefined,
  ) {
    this.policy = `"default";q=${quota};w=${windowSeconds}`;
  }

  /** In memory, or shared through Redis when `redisUrl` is given (ioredis is loaded only then). */
  static async create(quota: number, windowSeconds: number, redisUrl?: string, keyPrefix = 'tessera:rl'): Promise<RateLimiter> {
    const memory = new RateLimiterMemory({ points: quota, duration: windowSeconds, keyPrefix });
    if (!redisUrl) return new RateLimiter(quota, windowSeconds, memory, undefined);
    const { Redis } = await import('ioredis');
    const redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined); // the insurance limiter takes over while Redis is away
    const limiter = new RateLimiterRedis({ storeClient: redis, points: quota, duration: windowSeconds, keyPrefix, insuranceLimiter: memory });
    return new RateLimiter(quota, windowSeconds, limiter, redis);
  }

  /** Counts one request for `key` and says whether it may proceed, with the headers to send. */
  async consume(key: string): Promise<RateLimitDecision> {
    let res: RateLimiterRes;
    let allowed = true;
    try {
      res = await this.limiter.consume(key, 1);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      res = err;
      allowed = false;
    }
    const t = Math.max(0, Math.ceil(res.msBeforeNext / 1000));
    return {
      allowed,
      retryAfterSeconds: t,
      headers: {
        'ratelimit-policy': this.policy,
        ratelimit: `"default";r=${Math.max(0, res.remainingPoints)};t=${t}`,
      },
    };
  }

  /** The 429 problem for a refused decision. */
  static refusal(d: RateLimitDecision): AppError {
    return new AppError(Errors.rateLimited, `Too many requests for this credential. Retry after ${d.retryAfterSeconds} s.`, [], {
      ...d.headers,
      'retry-after': String(Math.max(1, d.retryAfterSeconds)),
    });
  }

  async close(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => undefined);
  }
}
