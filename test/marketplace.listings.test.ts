import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { eventsOf } from './helpers/events.js';
import { productBody } from './helpers/fixtures.js';

let t: TestApp;
let sellerA: string;
let sellerB: string;
let keyA: string;
let keyB: string;

async function newSeller(name: string): Promise<{ id: string; key: string }> {
  const seller = (await t.call('POST', '/v1/sellers', { body: { name, email: `${name.toLowerCase()}@example.com` } })).json();
  await t.call('POST', `/v1/sellers/${seller.id}/activate`);
  const key = (await t.call('POST', `/v1/sellers/${seller.id}/keys`, { body: {} })).json().secret as string;
  return { id: seller.id, key };
}

beforeAll(async () => {
  t = await startTestApp();
  ({ id: sellerA, key: keyA } = await newSeller('Alpha'));
  ({ id: sellerB, key: keyB } = await newSeller('Beta'));
});
afterAll(() => t.close());

/** A listing created with a seller key (a draft), as the API answers it. */
async function listing(key: string, over: Record<string, unknown> = {}): Promise<Record<string, unknown> & { id: string }> {
  const { status: _ignored, ...body } = productBody(over);
  const res = await t.call('POST', '/v1/products', { key, body: { ...body, ...('status' in over ? { status: over.status } : {}) } });
  if (res.statusCode !== 201) throw new Error(`create listing: ${res.statusCode} ${res.body}`);
  return res.json();
}

const moderate = (id: string, body: Record<string, unknown>, key?: string) => t.call('POST', `/v1/products/${id}/moderate`, { body, ...(key ? { key } : {}) });

describe('seller listings', () => {
  it('a seller creates drafts under its own id; it cannot publish or name another seller', async () => {
    const draft = await listing(keyA);
    expect(draft).toMatchObject({ status: 'draft', seller_id: sellerA, moderation_reason: null, moderated_at: null });
    expect(await listing(keyA, { seller_id: sellerA })).toMatchObject({ seller_id: sellerA, status: 'draft' });

    const published = await t.call('POST', '/v1/products', { key: keyA, body: productBody({ status: 'published' }) });
    expect(published.statusCode).toBe(403);
    expect(published.json()).toMatchObject({ code: 'seller_cannot_publish' });
    const other = await t.call('POST', '/v1/products', { key: keyA, body: productBody({ status: 'draft', seller_id: sellerB }) });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ code: 'seller_mismatch', errors: [{ pointer: '/seller_id' }] });

    const patch = await t.call('PATCH', `/v1/products/${draft.id}`, { key: keyA, body: { status: 'published' } });
    expect(patch.json()).toMatchObject({ status: 403, code: 'seller_cannot_publish' });
    expect((await t.call('PATCH', `/v1/products/${draft.id}`, { key: keyA, body: { seller_id: sellerB } })).json().code).toBe('seller_mismatch');
    expect((await t.call('PATCH', `/v1/products/${draft.id}`, { key: keyA, body: { seller_id: null } })).json().code).toBe('seller_mismatch');
    // taking a listing down is the seller's own call
    expect((await t.call('PATCH', `/v1/products/${draft.id}`, { key: keyA, body: { status: 'archived' } })).json().status).toBe('archived');
    // moderation is the operator's
    expect((await moderate(draft.id, { decision: 'published' }, keyA)).json()).toMatchObject({ status: 403, code: 'insufficient_scope' });
  });

  it("a seller reads, lists, updates and deletes its own products only; another seller's are 404", async () => {
    const mine = await listing(keyA, { title: 'Alpha Lamp' });
    const theirs = await listing(keyB, { title: 'Beta Lamp' });
    const operators = (await t.call('POST', '/v1/products', { body: productBody({ title: 'House Lamp' }) })).json();

    expect((await t.call('GET', `/v1/products/${mine.id}`, { key: keyA })).json()).toMatchObject({ id: mine.id, status: 'draft' });
    const listA = (await t.call('GET', '/v1/products?limit=100', { key: keyA })).json().data as { id: string; seller_id: string }[];
    expect(listA.map((p) => p.id)).toContain(mine.id);
    expect(listA.every((p) => p.seller_id === sellerA)).toBe(true);
    expect((await t.call('GET', `/v1/products?limit=100&seller_id=${sellerB}`, { key: keyA })).json().data).toEqual([]);
    const listB = (await t.call('GET', '/v1/products?limit=100', { key: keyB })).json().data.map((p: { id: string }) => p.id);
    expect(listB).toContain(theirs.id);
    expect(listB).not.toContain(mine.id);

    for (const id of [theirs.id, operators.id]) {
      const variantId = (await t.call('GET', `/v1/products/${id}`)).json().variants[0].id;
      const attempts = [
        t.call('GET', `/v1/products/${id}`, { key: keyA }),
        t.call('PATCH', `/v1/products/${id}`, { key: keyA, body: { title: 'Mine now' } }),
        t.call('DELETE', `/v1/products/${id}`, { key: keyA }),
        t.call('POST', `/v1/products/${id}/variants`, { key: keyA, body: { sku: `HIJACK-${Date.now()}`, prices: [{ currency: 'USD', amount: 1 }] } }),
        t.call('PATCH', `/v1/products/${id}/variants/${variantId}`, { key: keyA, body: { title: 'x' } }),
        t.call('DELETE', `/v1/products/${id}/variants/${variantId}`, { key: keyA }),
      ];
      for (const res of await Promise.all(attempts)) expect(res.json()).toMatchObject({ status: 404, code: 'product_not_found' });
    }
    // untouched
    expect((await t.call('GET', `/v1/products/${theirs.id}`)).json()).toMatchObject({ title: 'Beta Lamp', seller_id: sellerB });

    const updated = await t.call('PATCH', `/v1/products/${mine.id}`, { key: keyA, body: { title: 'Alpha Lamp 2' } });
    expect(updated.json()).toMatchObject({ title: 'Alpha Lamp 2', seller_id: sellerA });
    expect((await t.call('DELETE', `/v1/products/${mine.id}`, { key: keyA })).statusCode).toBe(200);
    expect((await t.call('GET', `/v1/products/${mine.id}`)).statusCode).toBe(404);

    // the operator sees everyone's, and filters by seller
    const bySeller = (await t.call('GET', `/v1/products?limit=100&seller_id=${sellerB}`)).json().data.map((p: { id: string }) => p.id);
    expect(bySeller).toContain(theirs.id);
    expect(bySeller).not.toContain(operators.id);
  });
});

describe('moderation', () => {
  it('publishes a listing for the storefront, emitting product.updated; caches follow at once', async () => {
    const draft = await listing(keyA, { title: 'Moderated Kettle' });
    // warm the storefront's caches with the draft hidden
    expect((await t.call('GET', `/v1/products/${draft.id}`, { key: t.keys.publishable })).statusCode).toBe(404);
    const before = (await t.call('GET', '/v1/products?limit=100', { key: t.keys.publishable })).json().data.map((p: { id: string }) => p.id);
    expect(before).not.toContain(draft.id);

    const res = await moderate(draft.id, { decision: 'published' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'published', seller_id: sellerA, moderation_reason: null });
    expect(res.json().moderated_at).toEqual(expect.any(String));
    expect((await t.call('GET', `/v1/products/${draft.id}`, { key: t.keys.publishable })).json()).toMatchObject({ status: 'published', seller_id: sellerA });
    const after = (await t.call('GET', '/v1/products?limit=100', { key: t.keys.publishable })).json().data.map((p: { id: string }) => p.id);
    expect(after).toContain(draft.id);

    const events = await eventsOf(t, ['product.updated'], draft.id);
    expect(events.at(-1)!.data.previous_attributes).toMatchObject({ status: 'draft', moderated_at: null });
    expect(events.at(-1)!.data.object).toMatchObject({ status: 'published' });

    // taken down again: a reason is required, and the storefront loses it at once
    expect((await moderate(draft.id, { decision: 'rejected' })).json()).toMatchObject({ status: 422, code: 'moderation_reason_required' });
    const rejected = await moderate(draft.id, { decision: 'rejected', reason: 'Counterfeit branding' });
    expect(rejected.json()).toMatchObject({ status: 'rejected', moderation_reason: 'Counterfeit branding' });
    expect((await t.call('GET', `/v1/products/${draft.id}`, { key: t.keys.publishable })).statusCode).toBe(404);
    expect((await t.call('GET', '/v1/products?limit=100', { key: t.keys.publishable })).json().data.map((p: { id: string }) => p.id)).not.toContain(draft.id);
    // the seller sees why
    expect((await t.call('GET', `/v1/products/${draft.id}`, { key: keyA })).json()).toMatchObject({ status: 'rejected', moderation_reason: 'Counterfeit branding' });
  });

  it('rejects with a reason; the seller editing a rejected listing puts it back to draft', async () => {
    const draft = await listing(keyA, { title: 'Dubious Watch' });
    const rejected = await moderate(draft.id, { decision: 'rejected', reason: 'Images missing' });
    expect(rejected.json()).toMatchObject({ status: 'rejected', moderation_reason: 'Images missing' });
    expect((await moderate(draft.id, { decision: 'rejected', reason: 'again' })).json()).toMatchObject({ status: 409, code: 'moderation_conflict' });

    const edited = await t.call('PATCH', `/v1/products/${draft.id}`, { key: keyA, body: { images: ['https://img.example.com/watch.jpg'] } });
    expect(edited.json()).toMatchObject({ status: 'draft', images: ['https://img.example.com/watch.jpg'] });
    const events = await eventsOf(t, ['product.updated'], draft.id);
    expect(events.at(-1)!.data.previous_attributes).toMatchObject({ status: 'rejected' });

    // a variant edit counts as an edit too
    await moderate(draft.id, { decision: 'rejected', reason: 'Price looks wrong' });
    const variantId = edited.json().variants[0].id;
    const repriced = await t.call('PATCH', `/v1/products/${draft.id}/variants/${variantId}`, { key: keyA, body: { prices: [{ currency: 'USD', amount: 4999 }] } });
    expect(repriced.json()).toMatchObject({ status: 'draft' });

    // an operator's edit of a rejected product does not reopen it
    await moderate(draft.id, { decision: 'rejected', reason: 'Still wrong' });
    expect((await t.call('PATCH', `/v1/products/${draft.id}`, { body: { title: 'Dubious Watch II' } })).json().status).toBe('rejected');
    // rejected straight to published is the operator's call
    expect((await moderate(draft.id, { decision: 'published', reason: 'Fixed by support' })).json()).toMatchObject({ status: 'published', moderation_reason: 'Fixed by support' });

    await t.call('PATCH', `/v1/products/${draft.id}`, { key: keyA, body: { status: 'archived' } });
    expect((await moderate(draft.id, { decision: 'published' })).statusCode).toBe(409);
    expect((await moderate('prod_nope', { decision: 'published' })).statusCode).toBe(404);
    expect((await moderate(draft.id, { decision: 'maybe' })).statusCode).toBe(422);
  });
});

describe('search by seller', () => {
  it('filters by seller_id and counts a seller_id facet; the storefront sees published listings only', async () => {
    const word = `zorblax${Date.now()}`;
    const a1 = await listing(keyA, { title: `${word} one` });
    const a2 = await listing(keyA, { title: `${word} two` });
    const b1 = await listing(keyB, { title: `${word} three` });
    await listing(keyB, { title: `${word} draft` }); // never published
    for (const p of [a1, a2, b1]) expect((await moderate(p.id, { decision: 'published' })).statusCode).toBe(200);
    await t.call('POST', '/v1/products', { body: productBody({ title: `${word} house` }) });

    const all = (await t.call('GET', `/v1/products/search?q=${word}&facets=seller_id`, { key: t.keys.publishable })).json();
    expect(all.total_count).toBe(4);
    expect(all.facets.seller_id).toEqual([
      { value: sellerA, count: 2 },
      { value: sellerB, count: 1 },
    ]);
    const onlyA = (await t.call('GET', `/v1/products/search?q=${word}&seller_id=${sellerA}&facets=seller_id`, { key: t.keys.publishable })).json();
    expect(onlyA.data.map((p: { id: string }) => p.id).sort()).toEqual([a1.id, a2.id].sort());
    // disjunctive: the facet still counts the other seller
    expect(onlyA.facets.seller_id).toEqual(all.facets.seller_id);
    const both = (await t.call('GET', `/v1/products/search?q=${word}&seller_id=${sellerA},${sellerB}`, { key: t.keys.publishable })).json();
    expect(both.total_count).toBe(3);
    // the operator's search sees the draft too
    const operator = (await t.call('GET', `/v1/products/search?q=${word}&seller_id=${sellerB}`)).json();
    expect(operator.total_count).toBe(2);
    expect((await t.call('GET', `/v1/products/search?q=${word}&facets=sellers`)).json().code).toBe('invalid_search');
  });
});
