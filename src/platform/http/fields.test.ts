import { describe, expect, it } from 'vitest';
import { parseFields, selectFields, selectInBody } from './fields.js';

const product = { id: 'p1', title: 'Shoe', brand: 'Acme', variants: [{ sku: 'A', prices: [{ currency: 'USD', amount: 1 }] }, { sku: 'B', prices: [] }], meta: { a: 1, b: 2 } };

describe('field selection', () => {
  it('keeps top-level and dotted fields, into arrays', () => {
    expect(selectFields(product, ['id', 'variants.sku', 'meta.b'])).toEqual({ id: 'p1', variants: [{ sku: 'A' }, { sku: 'B' }], meta: { b: 2 } });
  });
  it('a whole field wins over its sub-paths; unknown fields are ignored', () => {
    expect(selectFields(product, ['variants', 'variants.sku', 'nope'])).toEqual({ variants: product.variants });
  });
  it('applies to each item of a list and keeps the envelope', () => {
    const list = { object: 'list', data: [product], has_more: false, next_cursor: null };
    expect(selectInBody(list, ['id'])).toEqual({ object: 'list', data: [{ id: 'p1' }], has_more: false, next_cursor: null });
  });
  it('parses the parameter', () => {
    expect(parseFields(' id, title ,')).toEqual(['id', 'title']);
    expect(parseFields('')).toBeNull();
    expect(parseFields(undefined)).toBeNull();
  });
});
