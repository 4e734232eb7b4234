import type { TestApp } from './app.js';

let n = 0;

/** A minimal valid product body; `over` replaces any field. */
export function productBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  n++;
  return {
    title: `Fixture Product ${n}`,
    status: 'published',
    variants: [{ sku: `FIX-${process.pid}-${n}-${Math.random().toString(36).slice(2, 8)}`, prices: [{ currency: 'USD', amount: 1000 + n }] }],
    ...over,
  };
}

/** Creates a product through the API and returns its JSON. */
export async function createProduct(t: TestApp, over: Record<string, unknown> = {}, key?: string): Promise<Record<string, unknown> & { id: string }> {
  const res = await t.call('POST', '/v1/products', { body: productBody(over), ...(key ? { key } : {}) });
  if (res.statusCode !== 201) throw new Error(`create product failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Creates a key through the API (in the environment of `as`) and returns the secret. */
export async function createKey(t: TestApp, body: Record<string, unknown>, as?: string): Promise<string> {
  const res = await t.call('POST', '/v1/api_keys', { body, ...(as ? { key: as } : {}) });
  if (res.statusCode !== 201) throw new Error(`create key failed: ${res.statusCode} ${res.body}`);
  return res.json().secret as string;
}
