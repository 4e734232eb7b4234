import { LRUCache } from 'lru-cache';
import type { Environment } from '../../platform/db/database.js';
import type { Metrics } from '../../platform/observability/metrics.js';

/**
 * One in-process cache of recommendation work, per environment: an LRU with a TTL whose
 * concurrent misses for one key share one load. `clear(env)` drops an environment's entries and
 * bumps its generation, so a load that began before the clear is answered but never stored.
 */
export class RecsCache<V extends object> {
  private readonly lru: LRUCache<string, V>;
  private readonly inflight = new Map<string, Promise<V>>();
  private readonly generation = new Map<Environment, number>();
  /** Bumped by a clear of every environment. */
  private everything = 0;

  /** Changes whenever `env` (or everything) is cleared: a load that began under another token is not stored. */
  private token(env: Environment): string {
    return `${this.everything}.${this.generation.get(env) ?? 0}`;
  }

  constructor(
    private readonly name: string,
    options: { max: number; ttlMs: number },
    private readonly metrics: Metrics,
  ) {
    this.lru = new LRUCache<string, V>({ max: options.max, ...(options.ttlMs > 0 ? { ttl: options.ttlMs, ttlAutopurge: false } : {}) });
  }

  async get(env: Environment, key: string, load: () => Promise<V>): Promise<V> {
    const full = `${env}|${key}`;
    const hit = this.lru.get(full);
    this.metrics.cacheLookup(this.name, hit !== undefined);
    if (hit !== undefined) return hit;
    const running = this.inflight.get(full);
    if (running) return running;
    const generation = this.token(env);
    const promise = load().then(
      (value) => {
        this.inflight.delete(full);
        if (this.token(env) === generation) this.lru.set(full, value);
        return value;
      },
      (err: unknown) => {
        this.inflight.delete(full);
        throw err;
      },
    );
    this.inflight.set(full, promise);
    return promise;
  }

  /**
   * Values of many keys: hits from the cache, every miss loaded by one call of `load` (absent
   * from its answer: not cached, absent from ours). No sharing of concurrent misses here.
   */
  async getMany(env: Environment, keys: readonly string[], load: (missing: string[]) => Promise<Map<string, V>>): Promise<Map<string, V>> {
    const out = new Map<string, V>();
    const missing: string[] = [];
    for (const key of keys) {
      const hit = this.lru.get(`${env}|${key}`);
      if (hit === undefined) missing.push(key);
      else out.set(key, hit);
    }
    this.metrics.cacheLookup(this.name, missing.length === 0);
    if (missing.length === 0) return out;
    const generation = this.token(env);
    const loaded = await load(missing);
    for (const [key, value] of loaded) {
      out.set(key, value);
      if (this.token(env) === generation) this.lru.set(`${env}|${key}`, value);
    }
    return out;
  }

  /** Drops every entry of `env` (of every environment when none is given). */
  clear(env?: Environment): void {
    if (!env) {
      this.everything++;
      this.lru.clear();
      this.inflight.clear();
      return;
    }
    this.generation.set(env, (this.generation.get(env) ?? 0) + 1);
    const prefix = `${env}|`;
    // collected first: deleting while iterating the LRU's list could skip entries
    for (const key of [...this.lru.keys()]) if (key.startsWith(prefix)) this.lru.delete(key);
    for (const key of [...this.inflight.keys()]) if (key.startsWith(prefix)) this.inflight.delete(key);
  }
}
