import { LRUCache } from 'lru-cache';
import type { Environment } from '../../platform/db/database.js';
import type { InvalidationBus } from '../../platform/db/invalidation.js';
import type { Metrics } from '../../platform/observability/metrics.js';

/** The cached pages of one environment; replaced whole when anything in the catalog changes. */
interface Shard<V extends object> {
  lru: LRUCache<string, V>;
  /** Loads in progress, so concurrent misses for one search share one database round trip. */
  inflight: Map<string, Promise<V>>;
}

/**
 * An in-process cache of result pages (searches, product lists), per environment. Any product or
 * category write can move any product into or out of any page, so a write drops every cached page
 * of its environment
 * (here at once, elsewhere through the invalidation bus on commit). Dropping swaps in a new shard:
 * a load that started before the write finishes into the old shard and is never served again.
 */
export class PageCache<V extends object> {
  private readonly shards = new Map<Environment, Shard<V>>();

  /**
   * @param limits at most `max` entries per environment, and at most `maxSize` in the units of
   *   `sizeOf` (for pages: the products they hold), whichever is reached first.
   */
  constructor(
    private readonly name: string,
    private readonly limits: { max: number; maxSize: number; sizeOf: (value: V) => number },
    bus: InvalidationBus,
    private readonly metrics: Metrics,
  ) {
    const drop = (env: Environment) => this.shards.delete(env);
    const flush = () => this.shards.clear();
    bus.on('product', drop, flush);
    bus.on('category', drop, flush);
  }

  private shard(env: Environment): Shard<V> {
    let shard = this.shards.get(env);
    if (!shard) {
      const { max, maxSize, sizeOf } = this.limits;
      shard = { lru: new LRUCache<string, V>({ max, maxSize, sizeCalculation: (v) => Math.max(1, sizeOf(v)) }), inflight: new Map() };
      this.shards.set(env, shard);
    }
    return shard;
  }

  /**
   * The cached value for `key`, or the result of `load`, cached unless a write intervened.
   * @example const page = await cache.get('test', searchCacheKey(query), () => runSearch(query));
   */
  async get(env: Environment, key: string, load: () => Promise<V>): Promise<V> {
    const shard = this.shard(env);
    const hit = shard.lru.get(key);
    this.metrics.cacheLookup(this.name, hit !== undefined);
    if (hit) return hit;
    let pending = shard.inflight.get(key);
    if (!pending) {
      pending = load()
        .then((value) => {
          shard.lru.set(key, value);
          return value;
        })
        .finally(() => shard.inflight.delete(key));
      shard.inflight.set(key, pending);
    }
    return pending;
  }
}
