import { LRUCache } from 'lru-cache';
import type { Environment } from '../../platform/db/database.js';
import type { InvalidationBus } from '../../platform/db/invalidation.js';
import type { Metrics } from '../../platform/observability/metrics.js';
import type { Product } from './catalog.schemas.js';

/** A product as the read path serves it (its serialized body is kept beside it by sendSerializedOnce). */
export interface CachedProduct {
  /** As operators and the product's seller see it. */
  product: Product;
  /** As storefronts (publishable keys) see it: without moderation fields; kept so its serialized body is cached too. */
  storefront: Product;
  /** Cache-Control segment: the handle of the product's first root category. */
  segment: string | undefined;
  surrogateKeys: string[];
}

/**
 * The in-process cache of hot product reads. Concurrent misses for one id share one database load
 * (lru-cache `fetch`). Every product write drops the entry, here at once and in other processes
 * through the invalidation bus when the write commits; a category move, and a seller's suspension
 * or reinstatement (key `*`), drop them all.
 */
export class ProductCache {
  private readonly lru: LRUCache<string, CachedProduct, Environment>;
  /** Counts invalidations, so a load aborted by one can be told from a load that failed. */
  private invalidations = 0;

  constructor(
    max: number,
    load: (env: Environment, id: string) => Promise<CachedProduct | undefined>,
    bus: InvalidationBus,
    private readonly metrics: Metrics,
  ) {
    this.lru = new LRUCache<string, CachedProduct, Environment>({
      max: Math.max(1, max),
      fetchMethod: (key, _stale, { context }) => load(context, key.slice(key.indexOf('|') + 1)),
    });
    bus.on(
      'product',
      (env, id) => {
        this.invalidations++;
        if (id === '*') this.lru.clear();
        else this.lru.delete(`${env}|${id}`);
      },
      () => {
        this.invalidations++;
        this.lru.clear();
      },
    );
  }

  async get(env: Environment, id: string): Promise<CachedProduct | undefined> {
    const key = `${env}|${id}`;
    const hit = this.lru.get(key);
    this.metrics.cacheLookup('product', hit !== undefined);
    if (hit) return hit;
    // An invalidation that arrives while a load is in flight aborts that load: it may have read
    // the row before the write committed. Loading again reads the committed row.
    for (let attempt = 1; ; attempt++) {
      const seen = this.invalidations;
      try {
        return await this.lru.fetch(key, { context: env });
      } catch (err) {
        if (attempt >= 5 || this.invalidations === seen) throw err;
      }
    }
  }
}
