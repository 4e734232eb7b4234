import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidationBus } from '../src/platform/db/invalidation.js';
import type { operations, TesseraClient } from '../sdk/index.js';
import { createTestDatabase, startTestApp, type TestApp } from './helpers/app.js';
import { authorizations, createStore, freshCountry, readyCart, tag, type Store } from './helpers/commerce.js';
import { eventsOf } from './helpers/events.js';
import { api, checkout, ok, problem } from './helpers/sdk.js';
import { createSeller, type TestSeller } from './helpers/seller-orders.js';

/**
 * A suspended seller's listings leave the storefront (reads, search and facets, carts, checkout)
 * and come back on reinstatement with their own status; operators keep seeing them, flagged.
 */
let t: TestApp;
let admin: TesseraClient;
let shop: TesseraClient;
let url: string;
let store: Store;
let country: string;

beforeAll(async () => {
  const database = await createTestDatabase();
  url = database.url;
  t = await startTestApp({ database });
  admin = api(t);
  shop = api(t, t.keys.publishable);
  country = freshCountry();
  store = await createStore(t, { country });
});
afterAll(() => t.close());

interface Listing {
  id: string;
  sku: string;
  variantId: string;
}

const byId = (id: string) => ({ params: { path: { id } } });

/** A published product of `seller` (created by the operator) with stock, titled with `word`. */
async function listing(seller: string | null, word: string): Promise<Listing> {
  const sku = `SKU-${tag()}`;
  const product = ok(
    await admin.POST('/v1/products', { body: { title: `${word} ${sku}`, status: 'published', ...(seller ? { seller_id: seller } : {}), variants: [{ sku, weight_grams: 300, prices: [{ currency: 'USD', amount: 1500 }] }] } }),
    201,
  );
  ok(await admin.PUT('/v1/stock_locations/{id}/levels/{sku}', { params: { path: { id: store.locationId, sku } }, body: { on_hand: 50 } }));
  return { id: product.id, sku, variantId: product.variants[0]!.id };
}

type SearchQuery = operations['getV1ProductsSearch']['parameters']['query'];
/** A product read with `client` (default: the storefront's publishable key). */
const product = (id: string, client = shop, headers?: Record<string, string>) => client.GET('/v1/products/{id}', { ...byId(id), ...(headers ? { headers } : {}) });
const list = async (client: TesseraClient, sellerId?: string) => ok(await client.GET('/v1/products', { params: { query: { limit: 100, ...(sellerId ? { seller_id: sellerId } : {}) } } }));
const search = async (client: TesseraClient, query: SearchQuery) => ok(await client.GET('/v1/products/search', { params: { query } }));
const ids = (page: { data: { id: string }[] }) => page.data.map((p) => p.id);
const MODERATION_FIELDS = ['moderation_reason', 'moderated_at', 'seller_suspended'];
const act = async (sellerId: string, action: 'suspend' | 'reinstate') =>
  ok(await (action === 'suspend' ? admin.POST('/v1/sellers/{id}/suspend', byId(sellerId)) : admin.POST('/v1/sellers/{id}/reinstate', byId(sellerId))));

async function availability(sku: string) {
  const { on_hand, reserved, available } = ok(await admin.GET('/v1/inventory_items/{sku}', { params: { path: { sku } } }));
  return { on_hand, reserved, available };
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
    ok(await product(mine.id), 200);
    expect(ids(await list(shop))).toContain(mine.id);
    const searched = await search(shop, { q: word, facets: 'seller_id' });
    expect(ids(searched).sort()).toEqual([mine.id, theirs.id].sort());
    expect(searched.facets.seller_id).toHaveLength(2);

    expect(await act(seller.id, 'suspend')).toMatchObject({ id: seller.id, status: 'suspended' });

    // storefront: gone from get, list, search and the seller facet
    expect(problem(await product(mine.id), 404)).toMatchObject({ code: 'product_not_found' });
    expect(ids(await list(shop))).not.toContain(mine.id);
    expect(ids(await list(shop, seller.id))).toEqual([]);
    const after = await search(shop, { q: word, facets: 'seller_id' });
    expect(ids(after)).toEqual([theirs.id]);
    expect(after.total_count).toBe(1);
    expect(after.facets.seller_id).toEqual([{ value: other.id, count: 1 }]);
    expect((await search(shop, { q: word, seller_id: seller.id })).total_count).toBe(0);

    // the operator still sees it, published and flagged, in get, list and search
    expect(ok(await product(mine.id, admin))).toMatchObject({ status: 'published', seller_id: seller.id, seller_suspended: true });
    expect((await list(admin, seller.id)).data).toEqual([expect.objectContaining({ id: mine.id, seller_suspended: true })]);
    expect((await search(admin, { q: word, facets: 'seller_id' })).total_count).toBe(2);
    expect(ok(await product(theirs.id, admin)).seller_suspended).toBe(false);
    // the seller's own key is refused while it is suspended
    expect(problem(await product(mine.id, api(t, seller.key)), 403)).toMatchObject({ code: 'seller_suspended' });

    // carts: adding it is refused like an unpublished product
    const cart = ok(await shop.POST('/v1/carts', { body: { region_id: store.regionId } }), 201);
    for (const item of [{ sku: mine.sku }, { variant_id: mine.variantId }]) {
      const add = await shop.POST('/v1/carts/{id}/items', { ...byId(cart.id), body: { ...item, quantity: 1 } });
      expect(problem(add, 422)).toMatchObject({ code: 'variant_unavailable' });
    }

    // checkout of the cart that held it: 409 cart_changed, the line dropped, nothing reserved, charged or ordered
    const stock = await availability(mine.sku);
    const auths = (await authorizations(t)).length;
    const refused = problem(await checkout(shop, heldCart), 409);
    expect(refused).toMatchObject({ code: 'cart_changed' });
    expect(refused.detail).toContain(mine.sku);
    const held = ok(await admin.GET('/v1/carts/{id}', byId(heldCart)));
    expect(held).toMatchObject({ status: 'open', order_id: null, items: [] });
    expect(await availability(mine.sku)).toEqual(stock);
    expect((await authorizations(t)).length).toBe(auths);
    const orders = ok(await admin.GET('/v1/orders', { params: { query: { limit: 100 } } })).data;
    expect(orders.filter((o) => o.cart_id === heldCart)).toEqual([]);

    // one seller.updated announces it; the listing itself emits nothing
    const sellerEvents = await eventsOf(t, ['seller.updated'], seller.id);
    expect(sellerEvents.at(-1)!.data.object).toMatchObject({ status: 'suspended' });
    expect(await eventsOf(t, ['product.updated'], mine.id)).toEqual([]);

    // reinstated: back on the storefront, still published, and for sale
    expect(await act(seller.id, 'reinstate')).toMatchObject({ status: 'active' });
    expect(ok(await product(mine.id), 200)).toMatchObject({ id: mine.id, status: 'published' });
    expect(ids(await list(shop))).toContain(mine.id);
    const again = await search(shop, { q: word, facets: 'seller_id' });
    expect(ids(again).sort()).toEqual([mine.id, theirs.id].sort());
    expect(again.facets.seller_id).toEqual(searched.facets.seller_id);
    expect(ok(await product(mine.id, admin))).toMatchObject({ status: 'published', seller_suspended: false });
    ok(await shop.POST('/v1/carts/{id}/items', { ...byId(held.id), body: { sku: mine.sku, quantity: 1 } }));
    const bought = ok(await checkout(shop, held.id), 201);
    expect(bought.lines).toEqual([expect.objectContaining({ sku: mine.sku, seller_id: seller.id })]);
  });

  it("keeps each listing's own status: a draft stays a draft and stays hidden after reinstatement", async () => {
    const s = await createSeller(t);
    const draft = ok(await api(t, s.key).POST('/v1/products', { body: { title: `Draft ${tag()}`, variants: [{ sku: `SKU-${tag()}`, prices: [{ currency: 'USD', amount: 900 }] }] } }), 201);
    const published = await listing(s.id, `keep${tag().toLowerCase()}`);
    await act(s.id, 'suspend');
    expect(ok(await product(draft.id, admin))).toMatchObject({ status: 'draft', seller_suspended: true });
    await act(s.id, 'reinstate');
    expect(ok(await product(draft.id, admin))).toMatchObject({ status: 'draft', seller_suspended: false });
    problem(await product(draft.id), 404);
    expect(ok(await product(published.id))).toMatchObject({ status: 'published' });
  });

  it("flags a product an operator creates for, or hands to, a suspended seller", async () => {
    const s = await createSeller(t);
    await act(s.id, 'suspend');
    const created = await listing(s.id, `late${tag().toLowerCase()}`);
    expect(ok(await product(created.id, admin))).toMatchObject({ status: 'published', seller_suspended: true });
    problem(await product(created.id), 404);

    const house = await listing(null, `house${tag().toLowerCase()}`);
    const handTo = async (sellerId: string | null) => ok(await admin.PATCH('/v1/products/{id}', { ...byId(house.id), body: { seller_id: sellerId } }));
    expect(await handTo(s.id)).toMatchObject({ seller_id: s.id, seller_suspended: true });
    problem(await product(house.id), 404);
    expect(await handTo(null)).toMatchObject({ seller_id: null, seller_suspended: false });
    ok(await product(house.id), 200);

    await act(s.id, 'reinstate');
    expect(ok(await product(created.id))).toMatchObject({ status: 'published' });
  });

  it('products created for, or handed to, the seller while it is being suspended all end up hidden', async () => {
    const s = await createSeller(t);
    const word = `race${tag().toLowerCase()}`;
    const existing = await Promise.all([1, 2, 3].map(() => listing(s.id, word)));
    const house = await Promise.all([1, 2, 3].map(() => listing(null, word)));
    const sku = () => `SKU-${tag()}`;
    const results = await Promise.all([
      admin.POST('/v1/sellers/{id}/suspend', byId(s.id)),
      ...[1, 2, 3].map(() => admin.POST('/v1/products', { body: { title: `${word} new`, status: 'published', seller_id: s.id, variants: [{ sku: sku(), prices: [{ currency: 'USD', amount: 100 }] }] } })),
      ...house.map((p) => admin.PATCH('/v1/products/{id}', { ...byId(p.id), body: { seller_id: s.id } })),
      ...existing.map((p) => admin.PATCH('/v1/products/{id}', { ...byId(p.id), body: { title: `${word} renamed`, seller_id: s.id } })),
    ]);
    const statuses = results.map((r) => r.response.status);
    expect(statuses.every((c) => c === 200 || c === 201), results.map((r) => JSON.stringify(r.error ?? r.data)).join('\n')).toBe(true);
    const operator = (await list(admin, s.id)).data;
    expect(operator).toHaveLength(9);
    expect(operator.every((p) => p.seller_suspended)).toBe(true);
    expect((await search(shop, { q: word })).total_count).toBe(0);
  });
});

describe('caches', () => {
  it('a storefront product cached before the suspension is not served after it, in this process or another', async () => {
    const s = await createSeller(t);
    const p = await listing(s.id, `cached${tag().toLowerCase()}`);
    // the raw bytes, to compare what the cache serves
    const raw = (headers?: Record<string, string>) => shop.GET('/v1/products/{id}', { ...byId(p.id), parseAs: 'text', ...(headers ? { headers } : {}) });
    const first = await raw();
    const body = ok(first, 200);
    const etag = String(first.response.headers.get('etag'));
    // served from the cache: the same bytes, and a 304 for its ETag
    expect(ok(await raw())).toBe(body);
    expect((await product(p.id, shop, { 'if-none-match': etag })).response.status).toBe(304);

    // another process's caches hear of it through the invalidation bus when the suspension commits
    const other = new InvalidationBus(url);
    const heard: string[] = [];
    other.on('product', (env, key) => heard.push(`${env}|${key}`), () => undefined);
    await other.start();
    try {
      await act(s.id, 'suspend');
      problem(await product(p.id, shop, { 'if-none-match': etag }), 404);
      await expect.poll(() => heard, { timeout: 5000 }).toContain('test|*');
    } finally {
      await other.close();
    }
    await act(s.id, 'reinstate');
    ok(await product(p.id), 200);
  });
});

describe('storefront presentation', () => {
  it('publishable keys never see moderation fields; operators and the seller do', async () => {
    const s = await createSeller(t);
    const word = `present${tag().toLowerCase()}`;
    const draft = ok(await api(t, s.key).POST('/v1/products', { body: { title: `${word} lamp`, variants: [{ sku: `SKU-${tag()}`, prices: [{ currency: 'USD', amount: 700 }] }] } }), 201);
    ok(await admin.POST('/v1/products/{id}/moderate', { ...byId(draft.id), body: { decision: 'published', reason: 'Checked by support' } }));

    const reads = [ok(await product(draft.id)), (await list(shop, s.id)).data[0], (await search(shop, { q: word })).data[0]];
    for (const read of reads) {
      expect(read).toMatchObject({ id: draft.id, status: 'published', seller_id: s.id });
      for (const field of MODERATION_FIELDS) expect(read).not.toHaveProperty(field);
    }
    const full = { moderation_reason: 'Checked by support', moderated_at: expect.any(String), seller_suspended: false };
    expect(ok(await product(draft.id, admin))).toMatchObject(full);
    expect(ok(await product(draft.id, api(t, s.key)))).toMatchObject(full);
    expect((await search(admin, { q: word })).data[0]).toMatchObject(full);
  });
});
