import { describe, expect, it } from 'vitest';
import { categoryUpdatedEvents, productDeletedEvents, productEvents } from './catalog.events.js';
import type { Category, Product } from './catalog.schemas.js';

const variant = (id: string, prices: Record<string, number>) => ({
  id,
  object: 'variant' as const,
  sku: `SKU-${id}`,
  title: id,
  options: {},
  weight_grams: null,
  prices: Object.entries(prices).map(([currency, amount]) => ({ currency, amount })),
});

function product(variants: ReturnType<typeof variant>[], over: Partial<Product> = {}): Product {
  return {
    id: 'prod_1',
    object: 'product',
    title: 'Lamp',
    handle: 'lamp',
    description: '',
    status: 'published',
    brand: null,
    category_ids: [],
    attributes: {},
    images: [],
    seller_id: null,
    moderation_reason: null,
    moderated_at: null,
    metadata: {},
    variants,
    created_at: '2025-01-01T00:00:00.000Z',
    updated_at: '2025-01-01T00:00:00.000Z',
    ...over,
  };
}

const summary = (events: ReturnType<typeof productEvents>) => events.map((e) => [e.type, e.object.variant_id ?? e.object.id, e.object.currency ?? null, e.previous ?? null]);

describe('productEvents', () => {
  it('a new product: product.created, then price.created for every price', () => {
    expect(summary(productEvents(undefined, product([variant('a', { EUR: 900, USD: 1000 })])))).toEqual([
      ['product.created', 'prod_1', null, null],
      ['price.created', 'a', 'EUR', null],
      ['price.created', 'a', 'USD', null],
    ]);
  });

  it('an added and a removed variant: their prices appear and disappear beside product.updated', () => {
    const before = product([variant('a', { USD: 1000 }), variant('b', { USD: 500 })]);
    const after = product([variant('a', { USD: 1000 }), variant('c', { USD: 700 })]);
    expect(summary(productEvents(before, after))).toEqual([
      ['product.updated', 'prod_1', null, { variants: before.variants }],
      ['price.created', 'c', 'USD', null],
      ['price.deleted', 'b', 'USD', null],
    ]);
  });

  it('a change of updated_at alone emits nothing; a deleted product takes its prices with it', () => {
    const p = product([variant('a', { USD: 1000 })]);
    expect(productEvents(p, { ...p, updated_at: '2025-02-01T00:00:00.000Z' })).toEqual([]);
    expect(summary(productDeletedEvents(p))).toEqual([
      ['product.deleted', 'prod_1', null, null],
      ['price.deleted', 'a', 'USD', null],
    ]);
  });
});

describe('categoryUpdatedEvents', () => {
  it('only categories whose API object changed, with the changed attributes', () => {
    const c: Category = { id: 'cat_1', object: 'category', name: 'Lamps', handle: 'lamps', parent_id: null, path: ['cat_1'], created_at: 'x', updated_at: 'x' };
    const events = categoryUpdatedEvents([
      { before: c, after: { ...c, updated_at: 'y' } },
      { before: c, after: { ...c, name: 'Lights', updated_at: 'y' } },
    ]);
    expect(events).toEqual([{ type: 'category.updated', object: { ...c, name: 'Lights', updated_at: 'y' }, previous: { name: 'Lamps' } }]);
  });
});
