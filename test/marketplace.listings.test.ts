import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { operations, TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { tag } from './helpers/commerce.js';
import { eventsOf } from './helpers/events.js';
import { api, ok, problem } from './helpers/sdk.js';

let t: TestApp;
let admin: TesseraClient;
let shop: TesseraClient;
let sellerA: string;
let sellerB: string;
let keyA: string;
let keyB: string;
let asA: TesseraClient;
let asB: TesseraClient;

async function newSeller(name: string): Promise<{ id: string; key: string }> {
  const seller = ok(await admin.POST('/v1/sellers', { body: { name, email: `${name.toLowerCase()}@example.com` } }), 201);
  ok(await admin.POST('/v1/sellers/{id}/activate', byId(seller.id)));
  const key = ok(await admin.POST('/v1/sellers/{id}/keys', { ...byId(seller.id), body: {} }), 201).secret;
  return { id: seller.id, key };
}

beforeAll(async () => {
  t = await startTestApp();
  admin = api(t);
  shop = api(t, t.keys.publishable);
  ({ id: sellerA, key: keyA } = await newSeller('Alpha'));
  ({ id: sellerB, key: keyB } = await newSeller('Beta'));
  asA = api(t, keyA);
  asB = api(t, keyB);
});
afterAll(() => t.close());

type NewProduct = operations['postV1Products']['requestBody']['content']['application/json'];
type Moderation = operations['postV1ProductsByIdModerate']['requestBody']['content']['application/json'];

const byId = (id: string) => ({ params: { path: { id } } });

/** A minimal valid (published) product body; `over` replaces any field. */
function productBody(over: Partial<NewProduct> = {}): NewProduct {
  return { title: `Listing ${tag()}`, status: 'published', variants: [{ sku: `LST-${tag()}`, prices: [{ currency: 'USD', amount: 1000 }] }], ...over };
}

/** A listing created with a seller's client (a draft unless `status` is given), as the API answers it. */
async function listing(client: TesseraClient, over: Partial<NewProduct> = {}) {
  const { status: _ignored, ...body } = productBody(over);
  return ok(await client.POST('/v1/products', { body: { ...body, ...(over.status ? { status: over.status } : {}) } }), 201);
}

const moderate = (id: string, body: Moderation, client = admin) => client.POST('/v1/products/{id}/moderate', { ...byId(id), body });
const ids = (page: { data: { id: string }[] }) => page.data.map((p) => p.id);
const list = async (client: TesseraClient, sellerId?: string) => ok(await client.GET('/v1/products', { params: { query: { limit: 100, ...(sellerId ? { seller_id: sellerId } : {}) } } }));
const search = async (client: TesseraClient, query: operations['getV1ProductsSearch']['parameters']['query']) => ok(await client.GET('/v1/products/search', { params: { query } }));

describe('seller listings', () => {
  it('a seller creates drafts under its own id; it cannot publish or name another seller', async () => {
    const draft = await listing(asA);
    expect(draft).toMatchObject({ status: 'draft', seller_id: sellerA, moderation_reason: null, moderated_at: null });
    expect(await listing(asA, { seller_id: sellerA })).toMatchObject({ seller_id: sellerA, status: 'draft' });

    const published = problem(await asA.POST('/v1/products', { body: productBody({ status: 'published' }) }), 403);
    expect(published).toMatchObject({ code: 'seller_cannot_publish' });
    const other = problem(await asA.POST('/v1/products', { body: productBody({ status: 'draft', seller_id: sellerB }) }), 422);
    expect(other).toMatchObject({ code: 'seller_mismatch', errors: [{ pointer: '/seller_id' }] });

    const patch = (body: operations['patchV1ProductsById']['requestBody']['content']['application/json']) => asA.PATCH('/v1/products/{id}', { ...byId(draft.id), body });
    expect(problem(await patch({ status: 'published' }), 403)).toMatchObject({ code: 'seller_cannot_publish' });
    expect((await patch({ seller_id: sellerB })).error?.code).toBe('seller_mismatch');
    expect((await patch({ seller_id: null })).error?.code).toBe('seller_mismatch');
    // taking a listing down is the seller's own call
    expect(ok(await patch({ status: 'archived' })).status).toBe('archived');
    // moderation is the operator's
    expect(problem(await moderate(draft.id, { decision: 'published' }, asA), 403)).toMatchObject({ code: 'insufficient_scope' });
  });

  it("a seller reads, lists, updates and deletes its own products only; another seller's are 404", async () => {
    const mine = await listing(asA, { title: 'Alpha Lamp' });
    const theirs = await listing(asB, { title: 'Beta Lamp' });
    const operators = ok(await admin.POST('/v1/products', { body: productBody({ title: 'House Lamp' }) }), 201);

    expect(ok(await asA.GET('/v1/products/{id}', byId(mine.id)))).toMatchObject({ id: mine.id, status: 'draft' });
    const listA = (await list(asA)).data;
    expect(listA.map((p) => p.id)).toContain(mine.id);
    expect(listA.every((p) => p.seller_id === sellerA)).toBe(true);
    expect((await list(asA, sellerB)).data).toEqual([]);
    const listB = ids(await list(asB));
    expect(listB).toContain(theirs.id);
    expect(listB).not.toContain(mine.id);

    for (const id of [theirs.id, operators.id]) {
      const variantId = ok(await admin.GET('/v1/products/{id}', byId(id))).variants[0]!.id;
      const variant = { params: { path: { id, variant_id: variantId } } };
      const attempts = [
        asA.GET('/v1/products/{id}', byId(id)),
        asA.PATCH('/v1/products/{id}', { ...byId(id), body: { title: 'Mine now' } }),
        asA.DELETE('/v1/products/{id}', byId(id)),
        asA.POST('/v1/products/{id}/variants', { ...byId(id), body: { sku: `HIJACK-${Date.now()}`, prices: [{ currency: 'USD', amount: 1 }] } }),
        asA.PATCH('/v1/products/{id}/variants/{variant_id}', { ...variant, body: { title: 'x' } }),
        asA.DELETE('/v1/products/{id}/variants/{variant_id}', variant),
      ];
      for (const res of await Promise.all(attempts)) expect(problem(res, 404)).toMatchObject({ code: 'product_not_found' });
    }
    // untouched
    expect(ok(await admin.GET('/v1/products/{id}', byId(theirs.id)))).toMatchObject({ title: 'Beta Lamp', seller_id: sellerB });

    const updated = ok(await asA.PATCH('/v1/products/{id}', { ...byId(mine.id), body: { title: 'Alpha Lamp 2' } }));
    expect(updated).toMatchObject({ title: 'Alpha Lamp 2', seller_id: sellerA });
    ok(await asA.DELETE('/v1/products/{id}', byId(mine.id)), 200);
    problem(await admin.GET('/v1/products/{id}', byId(mine.id)), 404);

    // the operator sees everyone's, and filters by seller
    const bySeller = ids(await list(admin, sellerB));
    expect(bySeller).toContain(theirs.id);
    expect(bySeller).not.toContain(operators.id);
  });
});

describe('moderation', () => {
  it('publishes a listing for the storefront, emitting product.updated; caches follow at once', async () => {
    const draft = await listing(asA, { title: 'Moderated Kettle' });
    // warm the storefront's caches with the draft hidden
    problem(await shop.GET('/v1/products/{id}', byId(draft.id)), 404);
    expect(ids(await list(shop))).not.toContain(draft.id);

    const res = ok(await moderate(draft.id, { decision: 'published' }), 200);
    expect(res).toMatchObject({ status: 'published', seller_id: sellerA, moderation_reason: null });
    expect(res.moderated_at).toEqual(expect.any(String));
    expect(ok(await shop.GET('/v1/products/{id}', byId(draft.id)))).toMatchObject({ status: 'published', seller_id: sellerA });
    expect(ids(await list(shop))).toContain(draft.id);

    const events = await eventsOf(t, ['product.updated'], draft.id);
    expect(events.at(-1)!.data.previous_attributes).toMatchObject({ status: 'draft', moderated_at: null });
    expect(events.at(-1)!.data.object).toMatchObject({ status: 'published' });

    // taken down again: a reason is required, and the storefront loses it at once
    expect(problem(await moderate(draft.id, { decision: 'rejected' }), 422)).toMatchObject({ code: 'moderation_reason_required' });
    const rejected = ok(await moderate(draft.id, { decision: 'rejected', reason: 'Counterfeit branding' }));
    expect(rejected).toMatchObject({ status: 'rejected', moderation_reason: 'Counterfeit branding' });
    problem(await shop.GET('/v1/products/{id}', byId(draft.id)), 404);
    expect(ids(await list(shop))).not.toContain(draft.id);
    // the seller sees why
    expect(ok(await asA.GET('/v1/products/{id}', byId(draft.id)))).toMatchObject({ status: 'rejected', moderation_reason: 'Counterfeit branding' });
  });

  it('rejects with a reason; the seller editing a rejected listing puts it back to draft', async () => {
    const draft = await listing(asA, { title: 'Dubious Watch' });
    const rejected = ok(await moderate(draft.id, { decision: 'rejected', reason: 'Images missing' }));
    expect(rejected).toMatchObject({ status: 'rejected', moderation_reason: 'Images missing' });
    expect(problem(await moderate(draft.id, { decision: 'rejected', reason: 'again' }), 409)).toMatchObject({ code: 'moderation_conflict' });

    const edited = ok(await asA.PATCH('/v1/products/{id}', { ...byId(draft.id), body: { images: ['https://img.example.com/watch.jpg'] } }));
    expect(edited).toMatchObject({ status: 'draft', images: ['https://img.example.com/watch.jpg'] });
    const events = await eventsOf(t, ['product.updated'], draft.id);
    expect(events.at(-1)!.data.previous_attributes).toMatchObject({ status: 'rejected' });

    // a variant edit counts as an edit too
    await moderate(draft.id, { decision: 'rejected', reason: 'Price looks wrong' });
    const variantId = edited.variants[0]!.id;
    const repriced = await asA.PATCH('/v1/products/{id}/variants/{variant_id}', { params: { path: { id: draft.id, variant_id: variantId } }, body: { prices: [{ currency: 'USD', amount: 4999 }] } });
    expect(ok(repriced)).toMatchObject({ status: 'draft' });

    // an operator's edit of a rejected product does not reopen it
    await moderate(draft.id, { decision: 'rejected', reason: 'Still wrong' });
    expect(ok(await admin.PATCH('/v1/products/{id}', { ...byId(draft.id), body: { title: 'Dubious Watch II' } })).status).toBe('rejected');
    // rejected straight to published is the operator's call
    expect(ok(await moderate(draft.id, { decision: 'published', reason: 'Fixed by support' }))).toMatchObject({ status: 'published', moderation_reason: 'Fixed by support' });

    await asA.PATCH('/v1/products/{id}', { ...byId(draft.id), body: { status: 'archived' } });
    problem(await moderate(draft.id, { decision: 'published' }), 409);
    problem(await moderate('prod_nope', { decision: 'published' }), 404);
    // invalid on purpose: a decision the types do not allow
    expect((await t.call('POST', `/v1/products/${draft.id}/moderate`, { body: { decision: 'maybe' } })).statusCode).toBe(422);
  });
});

describe('search by seller', () => {
  it('filters by seller_id and counts a seller_id facet; the storefront sees published listings only', async () => {
    const word = `zorblax${Date.now()}`;
    const a1 = await listing(asA, { title: `${word} one` });
    const a2 = await listing(asA, { title: `${word} two` });
    const b1 = await listing(asB, { title: `${word} three` });
    await listing(asB, { title: `${word} draft` }); // never published
    for (const p of [a1, a2, b1]) ok(await moderate(p.id, { decision: 'published' }), 200);
    await admin.POST('/v1/products', { body: productBody({ title: `${word} house` }) });

    const all = await search(shop, { q: word, facets: 'seller_id' });
    expect(all.total_count).toBe(4);
    expect(all.facets.seller_id).toEqual([
      { value: sellerA, count: 2 },
      { value: sellerB, count: 1 },
    ]);
    const onlyA = await search(shop, { q: word, seller_id: sellerA, facets: 'seller_id' });
    expect(ids(onlyA).sort()).toEqual([a1.id, a2.id].sort());
    // disjunctive: the facet still counts the other seller
    expect(onlyA.facets.seller_id).toEqual(all.facets.seller_id);
    const both = await search(shop, { q: word, seller_id: `${sellerA},${sellerB}` });
    expect(both.total_count).toBe(3);
    // the operator's search sees the draft too
    const operator = await search(admin, { q: word, seller_id: sellerB });
    expect(operator.total_count).toBe(2);
    expect((await admin.GET('/v1/products/search', { params: { query: { q: word, facets: 'sellers' } } })).error?.code).toBe('invalid_search');
  });
});
