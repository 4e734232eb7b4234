import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deprecationHeaders, LATEST_VERSION, resolveVersion } from '../src/platform/http/versioning.js';
import { createStore, freshCountry, readyCart, type Store } from './helpers/commerce.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const OLD = '2026-11-01';
const CURRENT = '2026-11-28';
/** The exact deprecation headers of 2026-11-01 (deprecated when 2026-11-28 shipped, sunset six months later). */
const OLD_DEPRECATION = {
  deprecation: '@1795824000',
  sunset: 'Fri, 28 May 2027 00:00:00 GMT',
  link: '</versions>; rel="deprecation"; type="application/json", </versions>; rel="sunset"; type="application/json"',
};

let t: TestApp;
let store: Store;
let country: string;
let cartId: string;

beforeAll(async () => {
  t = await startTestApp();
  country = freshCountry();
  store = await createStore(t, { country });
  cartId = await readyCart(t, store, { country });
});
afterAll(async () => t?.close());

type Totals = Record<string, unknown>;

/** A call at an older version: its answers follow that version's shapes, not the (current) OpenAPI document. */
function callOld(url: string, opts: { key?: string; headers?: Record<string, string>; method?: string; body?: unknown } = {}) {
  return t.call(opts.method ?? 'GET', url, { ...opts, contract: false });
}

async function createKey(body: Record<string, unknown>): Promise<{ id: string; secret: string; api_version: string | null }> {
  const res = await t.call('POST', '/v1/api_keys', { body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

describe('API versions', () => {
  it('serves the current version by default and says so in the Tessera-Version response header', async () => {
    expect(LATEST_VERSION).toBe(CURRENT);
    const res = await t.call('GET', `/v1/carts/${cartId}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['tessera-version']).toBe(CURRENT);
    expect(res.headers.deprecation).toBeUndefined();
    expect(res.headers.sunset).toBeUndefined();
    const totals = res.json<{ totals: Totals }>().totals;
    expect(totals).toHaveProperty('shipping_discount_total', 0);
    expect(totals).not.toHaveProperty('shipping_discount');
  });

  it('renders carts at 2026-11-01 with the older field name, in the same place', async () => {
    const current = (await t.call('GET', `/v1/carts/${cartId}`)).json<{ totals: Totals }>();
    const res = await callOld(`/v1/carts/${cartId}`, { headers: { 'tessera-version': OLD } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['tessera-version']).toBe(OLD);
    const old = res.json<{ totals: Totals }>();
    expect(Object.keys(old.totals)).toEqual(['subtotal', 'discount_total', 'shipping_total', 'shipping_discount', 'tax_total', 'tax_inclusive', 'total']);
    const { shipping_discount_total: renamed, ...rest } = current.totals;
    expect(old.totals).toEqual({ ...rest, shipping_discount: renamed });
    expect(old).toEqual({ ...current, totals: old.totals }); // nothing else differs
  });

  it('renders orders at each version, alone, in lists and in the checkout answer', async () => {
    const id = await readyCart(t, store, { country });
    const old = await callOld(`/v1/carts/${id}/checkout`, {
      method: 'POST',
      key: t.keys.publishable,
      headers: { 'tessera-version': OLD, 'idempotency-key': `v-${id}` },
      body: { payment: { token: 'tok_visa' } },
    });
    expect(old.statusCode, old.body).toBe(201);
    const order = old.json<{ id: string; totals: Totals }>();
    expect(order.totals).toHaveProperty('shipping_discount', 0);
    expect(order.totals).not.toHaveProperty('shipping_discount_total');

    const now = await t.call('GET', `/v1/orders/${order.id}`);
    expect(now.json<{ totals: Totals }>().totals).toEqual({ ...order.totals, shipping_discount: undefined, shipping_discount_total: 0 });
    const list = await callOld('/v1/orders?limit=100', { headers: { 'tessera-version': OLD } });
    const listed = list.json<{ data: { id: string; totals: Totals }[] }>().data;
    expect(listed.length).toBeGreaterThan(0);
    for (const o of listed) {
      expect(o.totals).toHaveProperty('shipping_discount');
      expect(o.totals).not.toHaveProperty('shipping_discount_total');
    }
  });

  it('refuses an unknown version with a 400 problem naming the supported ones', async () => {
    const res = await t.call('GET', `/v1/carts/${cartId}`, { headers: { 'tessera-version': '2020-01-01' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'unsupported_version', errors: [{ parameter: 'Tessera-Version' }] });
    expect(res.json<{ detail: string }>().detail).toContain(`${OLD}, ${CURRENT}`);
    expect(res.headers['tessera-version']).toBe(CURRENT);
  });

  it('sends Deprecation, Sunset and Link on every answer at a deprecated version, errors included', async () => {
    const res = await callOld(`/v1/carts/${cartId}`, { headers: { 'tessera-version': OLD } });
    expect(res.headers).toMatchObject(OLD_DEPRECATION);
    const unauthenticated = await callOld(`/v1/carts/${cartId}`, { key: '', headers: { 'tessera-version': OLD } });
    expect(unauthenticated.statusCode).toBe(401);
    expect(unauthenticated.headers).toMatchObject({ 'tessera-version': OLD, ...OLD_DEPRECATION });
    // the sunset is never earlier than the deprecation
    expect(new Date(OLD_DEPRECATION.sunset).getTime() / 1000).toBeGreaterThan(Number(OLD_DEPRECATION.deprecation.slice(1)));
  });

  it('formats a deprecated route like a deprecated version, the route winning', () => {
    const routes = { 'GET /v1/old': { deprecation: new Date('2027-01-01T00:00:00Z'), sunset: new Date('2027-07-01T00:00:00Z'), link: '/docs/old' } };
    expect(deprecationHeaders(CURRENT, 'GET /v1/old', routes)).toEqual({
      deprecation: '@1798761600',
      sunset: 'Thu, 01 Jul 2027 00:00:00 GMT',
      link: '</docs/old>; rel="deprecation"; type="application/json", </docs/old>; rel="sunset"; type="application/json"',
    });
    expect(deprecationHeaders(CURRENT, 'GET /v1/new', routes)).toEqual({});
    expect(deprecationHeaders(OLD, 'GET /v1/new', routes)).toEqual(OLD_DEPRECATION);
  });

  it('stops serving a version at its sunset: the header is refused, a pinned key gets the current version', () => {
    const before = new Date('2027-05-27T23:59:59Z');
    const after = new Date('2027-05-28T00:00:00Z');
    expect(resolveVersion(OLD, null, before)).toBe(OLD);
    expect(resolveVersion(undefined, OLD, before)).toBe(OLD);
    expect(() => resolveVersion(OLD, null, after)).toThrow(/sunset 2027-05-28T00:00:00.000Z\)\. Supported: 2026-11-28\.$/);
    expect(resolveVersion(undefined, OLD, after)).toBe(CURRENT);
  });

  it('lists the versions, their changes and sunsets at /versions', async () => {
    const res = await t.call('GET', '/versions', { key: null });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ current: string; policy: string; data: { version: string; current: boolean; sunset_at: string | null; changes: string[] }[] }>();
    expect(body.current).toBe(CURRENT);
    expect(body.policy).toContain('Sunset');
    expect(body.data).toEqual([
      expect.objectContaining({ version: CURRENT, current: true, sunset_at: null, changes: [expect.stringContaining('shipping_discount_total')] }),
      expect.objectContaining({ version: OLD, current: false, deprecated_at: '2026-11-28T00:00:00.000Z', sunset_at: '2027-05-28T00:00:00.000Z' }),
    ]);
  });
});

describe('versions pinned on API keys', () => {
  it('pins new keys to the current version, or to the version asked for', async () => {
    expect((await createKey({ type: 'secret' })).api_version).toBe(CURRENT);
    expect((await createKey({ type: 'secret', api_version: OLD })).api_version).toBe(OLD);
    const bad = await t.call('POST', '/v1/api_keys', { body: { type: 'secret', api_version: '2019-01-01' } });
    expect(bad.statusCode).toBe(422);
  });

  it('orders the sources: the Tessera-Version header, then the key’s pinned version, then the current one', async () => {
    const pinned = await createKey({ type: 'secret', api_version: OLD });
    const viaKey = await callOld(`/v1/carts/${cartId}`, { key: pinned.secret });
    expect(viaKey.headers['tessera-version']).toBe(OLD);
    expect(viaKey.headers).toMatchObject(OLD_DEPRECATION);
    expect(viaKey.json<{ totals: Totals }>().totals).toHaveProperty('shipping_discount');

    const headerWins = await t.call('GET', `/v1/carts/${cartId}`, { key: pinned.secret, headers: { 'tessera-version': CURRENT } });
    expect(headerWins.headers['tessera-version']).toBe(CURRENT);
    expect(headerWins.headers.deprecation).toBeUndefined();
    expect(headerWins.json<{ totals: Totals }>().totals).toHaveProperty('shipping_discount_total');

    const unpinned = await t.call('GET', `/v1/carts/${cartId}`);
    expect(unpinned.headers['tessera-version']).toBe(CURRENT);

    // a pinned key's errors after authentication are answered at its version too
    const missing = await callOld('/v1/carts/cart_missing', { key: pinned.secret });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['tessera-version']).toBe(OLD);
  });

  it('upgrades a key with PATCH /v1/api_keys/:id, effective on its next request', async () => {
    const pinned = await createKey({ type: 'secret', api_version: OLD });
    expect((await callOld(`/v1/carts/${cartId}`, { key: pinned.secret })).headers['tessera-version']).toBe(OLD); // cached now
    const res = await t.call('PATCH', `/v1/api_keys/${pinned.id}`, { body: { api_version: CURRENT } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: pinned.id, api_version: CURRENT });
    const after = await t.call('GET', `/v1/carts/${cartId}`, { key: pinned.secret });
    expect(after.headers['tessera-version']).toBe(CURRENT);
    expect(after.json<{ totals: Totals }>().totals).toHaveProperty('shipping_discount_total');

    expect((await t.call('PATCH', `/v1/api_keys/${pinned.id}`, { body: { api_version: '2000-01-01' } })).statusCode).toBe(422);
    expect((await t.call('PATCH', '/v1/api_keys/key_missing', { body: { api_version: CURRENT } })).statusCode).toBe(404);
  });
});

describe('cached catalog reads per version', () => {
  it('answers each version with its own headers, and revalidates with 304 at either', async () => {
    const product = (await t.call('GET', `/v1/products?limit=1`)).json<{ data: { id: string }[] }>().data[0]!;
    const url = `/v1/products/${product.id}`;
    const current = await t.call('GET', url, { key: t.keys.publishable });
    expect(current.statusCode).toBe(200);
    expect(current.headers.vary).toContain('Tessera-Version');
    expect(current.headers['tessera-version']).toBe(CURRENT);
    expect(current.headers.deprecation).toBeUndefined();

    const old = await callOld(url, { key: t.keys.publishable, headers: { 'tessera-version': OLD } });
    expect(old.statusCode).toBe(200);
    expect(old.headers).toMatchObject({ 'tessera-version': OLD, ...OLD_DEPRECATION });
    expect(old.headers.etag).toMatch(/^"/);
    expect(old.json()).toEqual(current.json()); // products did not change between these versions

    const revalidated = await callOld(url, { key: t.keys.publishable, headers: { 'tessera-version': OLD, 'if-none-match': String(old.headers.etag) } });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.headers).toMatchObject({ 'tessera-version': OLD, ...OLD_DEPRECATION });
    // a second read at the current version, from the serialized-once cache, still has no deprecation
    const again = await t.call('GET', url, { key: t.keys.publishable });
    expect(again.headers.deprecation).toBeUndefined();
    expect(again.headers.etag).toBe(current.headers.etag);
  });
});

