import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('smoke', () => {
  it('creates and reads a product', async () => {
    const created = await t.call('POST', '/v1/products', { body: { title: 'Trail Shoe', status: 'published', variants: [{ sku: 'TS-1', prices: [{ currency: 'USD', amount: 1999 }] }] } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    const read = await t.call('GET', `/v1/products/${id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json().variants[0].prices).toEqual([{ currency: 'USD', amount: 1999 }]);
    console.log(read.headers, t.logs.slice(-2));
  });
});
