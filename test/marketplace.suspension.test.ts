import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidationBus } from '../src/platform/db/invalidation.js';
import { createTestDatabase, startTestApp, type TestApp } from './helpers/app.js';
import { authorizations, checkout, createStore, freshCountry, readyCart, tag, type Store } from './helpers/commerce.js';
import { eventsOf } from './helpers/events.js';
import { createSeller, ok, type TestSeller } from './helpers/seller-orders.js';

/**
 * A suspended seller's listings leave the storefront (reads, search and facets, carts, checkout)
 * and come back on reinstatement with their own status; operators keep seeing them, flagged.
 */
let t: TestApp;
let url: string;
let store: Store;
let country: string;

beforeAll(async () => {
  const database = await createTestDatabase();
  url = database.url;
  t = await startTestApp({ database });
  country = freshCountry();
  store = await createStore(t, { country });
});
afterAll(() => t.close());

interface Listing {
  id: string;
  sku: string;
  variantId: string;
}

/** A published product of `seller` (created by the operator) with stock, titled with `word`. */
async function listing(seller: string | null, word: string): Promise<Listing> {
  const sku = `SKU-${tag()}`;
  const product = await ok<{ id: string; variants: { id: string }[] }>(
    t,
    'POST',
    '/v1/products',
    { body: { title: `${word} ${sku}`, status: 'published', ...(seller ? { seller_id: seller } : {}), variants: [{ sku, weight_grams: 300, prices: [{ currency: 'USD', amount: 1500 }] }] } },
    201,
  );
  await ok(t, 'PUT', `/v1/stock_locations/${store.locationId}/levels/${sku}`, { body: { on_hand: 50 } });
  return { id: product.id, sku, variantId: product.variants[0]!.id };
}

const storefront = (path: string, headers?: Record<string, string>) => t.call('GET', path, { key: t.keys.publishable, ...(headers ? { headers } : {}) });
const ids = (page: { data: { id: string }[] }) => page.data.map((p) => p.id);
const MODERATION_FIELDS = ['moderation_reason', 'moderated_at', 'seller_suspended'];

async function availability(sku: string) {
  return ok<{ on_hand: number; reserved: number; available: number }>(t, 'GET', `/v1/inventory_items/${sku}`);
}

describe('suspending a seller', () => {
  let seller: TestSeller;
  let other: TestSeller;
  let word: string;
  let mine: Listing;
  let theirs: Listing;

  beforeAll(async () => {
    seller = await createSeller(t);
    other = await createSeller(t);
    word = `quuxbar${tag().toLowerCase()}`;
    mine = await listing(seller.id, word);
    theirs = await listing(other.id, word);
  });

  it("hides its listings from the storefront, carts and checkout; operators see them flagged; reinstating brings them back", async () => {
    // a cart that already holds the listing, and warm storefront caches
    const heldCart = await readyCart(t, store, { country, sku: mine.sku, quantity: 2 });
    expect((await storefront(`/v1/products/${mine.id}`)).statusCode).toBe(200);
    expect(ids((await storefront('/v1/products?limit=100')).json())).toContain(mine.id);
    const searched = (await storefront(`/v1/products/search?q=${word}&facets=seller_id`)).json();
    expect(ids(searched).sort()).toEqual([mine.id, theirs.id].sort());
    expect(searched.facets.seller_id).toHaveLength(2);

    const suspended = await t.call('POST', `/v1/sellers/${seller.id}/suspend`);
    expect(suspended.json()).toMatchObject({ id: seller.id, status: 'suspended' });

    // storefront: gone from get, list, search and the seller facet
    expect((await storefront(`/v1/products/${mine.id}`)).json()).toMatchObject({ status: 404, code: 'product_not_found' });
    expect(ids((await storefront('/v1/products?limit=100')).json())).not.toContain(mine.id);
    expect(ids((await storefront(`/v1/products?limit=100&seller_id=${seller.id}`)).json())).toEqual([]);
    const after = (await storefront(`/v1/products/search?q=${word}&facets=seller_id`)).json();
    expect(ids(after)).toEqual([theirs.id]);
    expect(after.total_count).toBe(1);
    expect(after.facets.seller_id).toEqual([{ value: other.id, count: 1 }]);
    expect((await storefront(`/v1/products/search?q=${word}&seller_id=${seller.id}`)).json().total_count).toBe(0);

    // the operator still sees it, published and flagged, in get, list and search
    expect((await t.call('GET', `/v1/products/${mine.id}`)).json()).toMatchObject({ status: 'published', seller_id: seller.id, seller_suspended: true });
    const operatorList = (await t.call('GET', `/v1/products?limit=100&seller_id=${seller.id}`)).json();
    expect(operatorList.data).toEqual([expect.objectContaining({ id: mine.id, seller_suspended: true })]);
    const operatorSearch = (await t.call('GET', `/v1/products/search?q=${word}&facets=seller_id`)).json();
    expect(operatorSearch.total_count).toBe(2);
    expect((await t.call('GET', `/v1/products/${theirs.id}`)).json().seller_suspended).toBe(false);
    // the seller's own key is refused while it is suspended
    expect((await t.call('GET', `/v1/products/${mine.id}`, { key: seller.key })).json()).toMatchObject({ status: 403, code: 'seller_suspended' });

    // carts: adding it is refused like an unpublished product
    const cart = await ok<{ id: string }>(t, 'POST', '/v1/carts', { key: t.keys.publishable, body: { region_id: store.regionId } }, 201);
    for (const item of [{ sku: mine.sku }, { variant_id: mine.variantId }]) {
      const add = await t.call('POST', `/v1/carts/${cart.id}/items`, { key: t.keys.publishable, body: { ...item, quantity: 1 } });
      expect(add.statusCode).toBe(422);
      expect(add.json()).toMatchObject({ code: 'variant_unavailable' });
    }

    // checkout of the cart that held it: 409 cart_changed, the line dropped, nothing reserved, charged or ordered
    const stock = await availability(mine.sku);
    const auths = (await authorizations(t)).length;
    const refused = await checkout(t, heldCart);
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'cart_changed' });
    expect(refused.json().detail).toContain(mine.sku);
    const held = (await t.call('GET', `/v1/carts/${heldCart}`)).json();
    expect(held).toMatchObject({ status: 'open', order_id: null, items: [] });
    expect(await availability(mine.sku)).toEqual(stock);
    expect((await authorizations(t)).length).toBe(auths);
    const orders = (await t.call('GET', '/v1/orders?limit=100')).json().data as { cart_id: string }[];
    expect(orders.filter((o) => o.cart_id === heldCart)).toEqual([]);

    // one seller.updated announces it; the listing itself emits nothing
    const sellerEvents = await eventsOf(t, ['seller.updated'], seller.id);
    expect(sellerEvents.at(-1)!.data.object).toMatchObject({ status: 'suspended' });
    expect(await eventsOf(t, ['product.updated'], mine.id)).toEqual([]);

    // reinstated: back on the storefront, still published, and for sale
    expect((await t.call('POST', `/v1/sellers/${seller.id}/reinstate`)).json()).toMatchObject({ status: 'active' });
    const back = await storefront(`/v1/products/${mine.id}`);
    expect(back.statusCode).toBe(200);
    expect(back.json()).toMatchObject({ id: mine.id, status: 'published' });
    expect(ids((await storefront('/v1/products?limit=100')).json())).toContain(mine.id);
    const again = (await storefront(`/v1/products/search?q=${word}&facets=seller_id`)).json();
    expect(ids(again).sort()).toEqual([mine.id, theirs.id].sort());
    expect(again.facets.seller_id).toEqual(searched.facets.seller_id);
    expect((await t.call('GET', `/v1/products/${mine.id}`)).json()).toMatchObject({ status: 'published', seller_suspended: false });
    await ok(t, 'POST', `/v1/carts/${held.id}/items`, { key: t.keys.publishable, body: { sku: mine.sku, quantity: 1 } });
    const bought = await checkout(t, held.id);
    expect(bought.statusCode, bought.body).toBe(201);
    expect(bought.json().lines).toEqual([expect.objectContaining({ sku: mine.sku, seller_id: seller.id })]);
  });

  it("keeps each listing's own status: a draft stays a draft and stays hidden after reinstatement", async () => {
    const s = await createSeller(t);
    const draft = await ok<{ id: string }>(t, 'POST', '/v1/products', { key: s.key, body: { title: `Draft ${tag()}`, variants: [{ sku: `SKU-${tag()}`, prices: [{ currency: 'USD', amount: 900 }] }] } }, 201);
    const published = await listing(s.id, `keep${tag().toLowerCase()}`);
    await ok(t, 'POST', `/v1/sellers/${s.id}/suspend`);
    expect((await t.call('GET', `/v1/products/${draft.id}`)).json()).toMatchObject({ status: 'draft', seller_suspended: true });
    await ok(t, 'POST', `/v1/sellers/${s.id}/reinstate`);
    expect((await t.call('GET', `/v1/products/${draft.id}`)).json()).toMatchObject({ status: 'draft', seller_suspended: false });
    expect((await storefront(`/v1/products/${draft.id}`)).statusCode).toBe(404);
    expect((await storefront(`/v1/products/${published.id}`)).json()).toMatchObject({ status: 'published' });
  });

  it("flags a product an operator creates for, or hands to, a suspended seller", async () => {
    const s = await createSeller(t);
    await ok(t, 'POST', `/v1/sellers/${s.id}/suspend`);
    const created = await listing(s.id, `late${tag().toLowerCase()}`);
    expect((await t.call('GET', `/v1/products/${created.id}`)).json()).toMatchObject({ status: 'published', seller_suspended: true });
    expect((await storefront(`/v1/products/${created.id}`)).statusCode).toBe(404);

    const house = await listing(null, `house${tag().toLowerCase()}`);
    expect((await t.call('PATCH', `/v1/products/${house.id}`, { body: { seller_id: s.id } })).json()).toMatchObject({ seller_id: s.id, seller_suspended: true });
    expect((await storefront(`/v1/products/${house.id}`)).statusCode).toBe(404);
    expect((await t.call('PATCH', `/v1/products/${house.id}`, { body: { seller_id: null } })).json()).toMatchObject({ seller_id: null, seller_suspended: false });
    expect((await storefront(`/v1/products/${house.id}`)).statusCode).toBe(200);

    await ok(t, 'POST', `/v1/sellers/${s.id}/reinstate`);
    expect((await storefront(`/v1/products/${created.id}`)).json()).toMatchObject({ status: 'published' });
  });

  it('products created for, or handed to, the seller while it is being suspended all end up hidden', async () => {
    const s = await createSeller(t);
    const word = `race${tag().toLowerCase()}`;
    const existing = await Promise.all([1, 2, 3].map(() => listing(s.id, word)));
    const house = await Promise.all([1, 2, 3].map(() => listing(null, word)));
    const sku = () => `SKU-${tag()}`;
    const results = await Promise.all([
      t.call('POST', `/v1/sellers/${s.id}/suspend`),
      ...[1, 2, 3].map(() => t.call('POST', '/v1/products', { body: { title: `${word} new`, status: 'published', seller_id: s.id, variants: [{ sku: sku(), prices: [{ currency: 'USD', amount: 100 }] }] } })),
      ...house.map((p) => t.call('PATCH', `/v1/products/${p.id}`, { body: { seller_id: s.id } })),
      ...existing.map((p) => t.call('PATCH', `/v1/products/${p.id}`, { body: { title: `${word} renamed`, seller_id: s.id } })),
    ]);
    expect(results.map((r) => r.statusCode).every((c) => c === 200 || c === 201), results.map((r) => r.body).join('\n')).toBe(true);
    const operator = (await t.call('GET', `/v1/products?limit=100&seller_id=${s.id}`)).json().data as { seller_suspended: boolean }[];
    expect(operator).toHaveLength(9);
    expect(operator.every((p) => p.seller_suspended)).toBe(true);
    expect((await storefront(`/v1/products/search?q=${word}`)).json().total_count).toBe(0);
  });
});

describe('caches', () => {
  it('a storefront product cached before the suspension is not served after it, in this process or another', async () => {
    const s = await createSeller(t);
    const p = await listing(s.id, `cached${tag().toLowerCase()}`);
    const first = await storefront(`/v1/products/${p.id}`);
    expect(first.statusCode).toBe(200);
    const etag = String(first.headers.etag);
    // served from the cache: the same bytes, and a 304 for its ETag
    expect((await storefront(`/v1/products/${p.id}`)).body).toBe(first.body);
    expect((await storefront(`/v1/products/${p.id}`, { 'if-none-match': etag })).statusCode).toBe(304);

    // another process's caches hear of it through the invalidation bus when the suspension commits
    const other = new InvalidationBus(url);
    const heard: string[] = [];
    other.on('product', (env, key) => heard.push(`${env}|${key}`), () => undefined);
    await other.start();
    try {
      await ok(t, 'POST', `/v1/sellers/${s.id}/suspend`);
      const gone = await storefront(`/v1/products/${p.id}`, { 'if-none-match': etag });
      expect(gone.statusCode).toBe(404);
      await expect.poll(() => heard, { timeout: 5000 }).toContain('test|*');
    } finally {
      await other.close();
    }
    await ok(t, 'POST', `/v1/sellers/${s.id}/reinstate`);
    expect((await storefront(`/v1/products/${p.id}`)).statusCode).toBe(200);
  });
});

describe('storefront presentation', () => {
  it('publishable keys never see moderation fields; operators and the seller do', async () => {
    const s = await createSeller(t);
    const word = `present${tag().toLowerCase()}`;
    const draft = await ok<{ id: string }>(t, 'POST', '/v1/products', { key: s.key, body: { title: `${word} lamp`, variants: [{ sku: `SKU-${tag()}`, prices: [{ currency: 'USD', amount: 700 }] }] } }, 201);
    await ok(t, 'POST', `/v1/products/${draft.id}/moderate`, { body: { decision: 'published', reason: 'Checked by support' } });

    const reads = [
      (await storefront(`/v1/products/${draft.id}`)).json(),
      (await storefront(`/v1/products?limit=100&seller_id=${s.id}`)).json().data[0],
      (await storefront(`/v1/products/search?q=${word}`)).json().data[0],
    ];
    for (const product of reads) {
      expect(product).toMatchObject({ id: draft.id, status: 'published', seller_id: s.id });
      for (const field of MODERATION_FIELDS) expect(product).not.toHaveProperty(field);
    }
    const full = { moderation_reason: 'Checked by support', moderated_at: expect.any(String), seller_suspended: false };
    expect((await t.call('GET', `/v1/products/${draft.id}`)).json()).toMatchObject(full);
    expect((await t.call('GET', `/v1/products/${draft.id}`, { key: s.key })).json()).toMatchObject(full);
    expect((await t.call('GET', `/v1/products/search?q=${word}`)).json().data[0]).toMatchObject(full);
  });
});
