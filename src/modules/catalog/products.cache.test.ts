import { describe, expect, it } from 'vitest';
import { InvalidationBus } from '../../platform/db/invalidation.js';
import { Metrics } from '../../platform/observability/metrics.js';
import type { CachedProduct } from './products.cache.js';
import { ProductCache } from './products.cache.js';

const entry = (title: string): CachedProduct => ({ product: { title } as CachedProduct['product'], storefront: { title } as CachedProduct['product'], segment: undefined, surrogateKeys: [] });

describe('ProductCache', () => {
  it('an invalidation during a load discards that load and reads again', async () => {
    const bus = new InvalidationBus('postgres://unused');
    let version = 0;
    let release: () => void = () => {};
    const cache = new ProductCache(
      10,
      async () => {
        const seen = version;
        if (seen === 0) await new Promise<void>((r) => (release = r)); // the first load is slow
        return entry(`v${seen}`);
      },
      bus,
      new Metrics(false),
    );
    const pending = cache.get('test', 'p1');
    await new Promise((r) => setTimeout(r, 10));
    version = 1; // a write commits…
    bus.deliver('test', 'product', 'p1'); // …and its invalidation arrives while the first load is in flight
    release();
    expect((await pending)?.product.title).toBe('v1');
    expect((await cache.get('test', 'p1'))?.product.title).toBe('v1');
  });

  it('concurrent misses share one load', async () => {
    let loads = 0;
    const cache = new ProductCache(10, async () => (loads++, entry('x')), new InvalidationBus('postgres://unused'), new Metrics(false));
    await Promise.all(Array.from({ length: 10 }, () => cache.get('test', 'p2')));
    expect(loads).toBe(1);
  });
});
