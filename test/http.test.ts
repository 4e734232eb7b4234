import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createProduct, productBody } from './helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { TESSERA_CACHE_TTLS: '{"default":{"maxAge":60,"sMaxAge":300,"staleWhileRevalidate":600},"fresh-food":{"maxAge":5,"sMaxAge":10,"staleWhileRevalidate":0}}' } });
});
afterAll(() => t.close());

describe('problems', () => {
  it('an unknown body field is a 422 that names it with a JSON Pointer', async () => {
    const res = await t.call('POST', '/v1/products', { body: { ...productBody(), colour: 'red' } });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ type: '/problems#validation_failed', title: 'Request validation failed', status: 422, code: 'validation_failed' });
    expect(body.request_id).toBe(res.headers['x-request-id']);
    expect(body.errors).toEqual([expect.objectContaining({ pointer: '/colour' })]);
    expect(body.detail).toContain('colour');
  });

  it('nested errors point into the body; types are not coerced in bodies', async () => {
    const res = await t.call('POST', '/v1/products', { body: productBody({ variants: [{ sku: 'X-1', prices: [{ currency: 'USD', amount: '12' }] }] }) });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].pointer).toBe('/variants/0/prices/0/amount');
    const missing = await t.call('POST', '/v1/products', { body: { variants: [] } });
    expect(missing.json().errors[0]).toMatchObject({ pointer: '/title' });
  });

  it('bad query parameters name the parameter', async () => {
    const res = await t.call('GET', '/v1/products?limit=500');
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0]).toMatchObject({ parameter: 'limit' });
    const unknown = await t.call('GET', '/v1/products?colour=red');
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().detail).toContain('colour');
  });

  it('malformed JSON is a 400 problem', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/products', headers: { authorization: `Bearer ${t.keys.secret}`, 'content-type': 'application/json' }, payload: '{"title":' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'malformed_request', status: 400 });
  });

  it('unknown routes get a 404 problem', async () => {
    const res = await t.call('GET', '/v1/nothing-here?x=1');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'route_not_found', detail: 'No route matches GET /v1/nothing-here.' });
  });

  it('business rules are problems too: duplicate SKU is a 409', async () => {
    const p = await createProduct(t);
    const sku = (p.variants as { sku: string }[])[0]!.sku;
    const res = await t.call('POST', '/v1/products', { body: productBody({ variants: [{ sku, prices: [{ currency: 'USD', amount: 1 }] }] }) });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('sku_taken');
  });
});

describe('request ids, versions', () => {
  it('echoes a valid X-Request-Id and generates one otherwise', async () => {
    const echoed = await t.call('GET', '/healthz', { headers: { 'x-request-id': 'client-req-42' } });
    expect(echoed.headers['x-request-id']).toBe('client-req-42');
    const generated = await t.call('GET', '/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers['x-request-id']).toMatch(/^req_[0-9a-z]{26}$/);
  });

  it('accepts and echoes Tessera-Version, and refuses unknown versions', async () => {
    const ok = await t.call('GET', '/v1/products', { headers: { 'tessera-version': '2026-11-01' } });
    expect(ok.headers['tessera-version']).toBe('2026-11-01');
    const dflt = await t.call('GET', '/v1/products');
    expect(dflt.headers['tessera-version']).toBe('2026-11-28'); // the current version (test/versioning.test.ts)
    const bad = await t.call('GET', '/v1/products', { headers: { 'tessera-version': '2019-01-01' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'unsupported_version' });
    expect(bad.json().detail).toContain('2026-11-01');
  });
});

describe('lists and field selection', () => {
  it('paginates with limit and starting_after through every item exactly once', async () => {
    const created = [];
    for (let i = 0; i < 5; i++) created.push((await createProduct(t, { title: `Paged ${i}` })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await t.call('GET', `/v1/products?limit=2${cursor ? `&starting_after=${cursor}` : ''}`);
      const body = res.json();
      expect(body.object).toBe('list');
      expect(body.data.length).toBeLessThanOrEqual(2);
      seen.push(...body.data.map((p: { id: string }) => p.id));
      expect(body.has_more).toBe(body.next_cursor !== null);
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 100);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of created) expect(seen).toContain(id);
    expect([...seen].sort()).toEqual(seen); // ordered by id, i.e. creation
  });

  it('defaults to 20 per page', async () => {
    for (let i = 0; i < 16; i++) await createProduct(t);
    const res = await t.call('GET', '/v1/products');
    expect(res.json().data).toHaveLength(20);
    expect(res.json().has_more).toBe(true);
  });

  it('?fields= selects fields, dotted paths included, on objects and lists', async () => {
    const p = await createProduct(t);
    const one = await t.call('GET', `/v1/products/${p.id}?fields=id,title,variants.sku`);
    expect(one.json()).toEqual({ id: p.id, title: p.title, variants: [{ sku: (p.variants as { sku: string }[])[0]!.sku }] });
    const list = await t.call('GET', '/v1/products?limit=2&fields=id');
    expect(Object.keys(list.json().data[0])).toEqual(['id']);
    expect(list.json()).toHaveProperty('has_more');
  });
});

describe('caching of catalog reads', () => {
  it('sends a strong ETag and answers If-None-Match with a 304 carrying the same cache headers', async () => {
    const p = await createProduct(t);
    const first = await t.call('GET', `/v1/products/${p.id}`);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(first.headers['cache-control']).toBe('public, max-age=60, s-maxage=300, stale-while-revalidate=600');
    const second = await t.call('GET', `/v1/products/${p.id}`, { headers: { 'if-none-match': etag } });
    expect(second.statusCode).toBe(304);
    expect(second.body).toBe('');
    for (const h of ['etag', 'cache-control', 'vary', 'surrogate-key']) expect(second.headers[h]).toBe(first.headers[h]);
    const listA = await t.call('GET', '/v1/products?limit=3');
    const listB = await t.call('GET', '/v1/products?limit=3', { headers: { 'if-none-match': listA.headers.etag as string } });
    expect(listB.statusCode).toBe(304);
  });

  it('names product and category surrogate keys, and uses the TTLs of the category segment', async () => {
    const root = (await t.call('POST', '/v1/categories', { body: { name: 'Fresh Food', handle: 'fresh-food' } })).json();
    const child = (await t.call('POST', '/v1/categories', { body: { name: 'Fruit', parent_id: root.id } })).json();
    const p = await createProduct(t, { category_ids: [child.id] });
    const res = await t.call('GET', `/v1/products/${p.id}`);
    expect(res.headers['cache-control']).toBe('public, max-age=5, s-maxage=10, stale-while-revalidate=0');
    const keys = (res.headers['surrogate-key'] as string).split(' ');
    expect(keys).toEqual(expect.arrayContaining([`product-${p.id}`, `category-${root.id}`, `category-${child.id}`]));
    expect((res.headers['cache-tag'] as string).split(',')).toEqual(keys);
  });

  it('a write invalidates the cached read at once: new body, new ETag', async () => {
    const p = await createProduct(t);
    const before = await t.call('GET', `/v1/products/${p.id}`);
    await t.call('GET', `/v1/products/${p.id}`); // served from the in-process cache
    const patched = await t.call('PATCH', `/v1/products/${p.id}`, { body: { title: 'Renamed' } });
    expect(patched.statusCode).toBe(200);
    const after = await t.call('GET', `/v1/products/${p.id}`, { headers: { 'if-none-match': before.headers.etag as string } });
    expect(after.statusCode).toBe(200);
    expect(after.json().title).toBe('Renamed');
    expect(after.headers.etag).not.toBe(before.headers.etag);
  });

  it('cached list pages are dropped by writes, and kept apart per key type', async () => {
    const list = async (key?: string) => (await t.call('GET', '/v1/products?limit=100&status=draft', key ? { key } : {})).json().data.map((p: { id: string }) => p.id);
    const before = await list();
    const draft = await createProduct(t, { status: 'draft' });
    expect(await list()).toEqual([...before, draft.id].sort());
    expect(await list(t.keys.publishable)).toEqual([]); // a storefront never gets the operator's cached page
    await t.call('PATCH', `/v1/products/${draft.id}`, { body: { status: 'published' } });
    expect(await list()).not.toContain(draft.id);
  });

  it('carts and errors are never publicly cacheable', async () => {
    const res = await t.call('GET', '/v1/products/prod_missing');
    expect(res.statusCode).toBe(404);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
