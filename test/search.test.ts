import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../src/modules/catalog/index.js';
import type { operations, Schema, TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { api, ok, problem } from './helpers/sdk.js';

/** The search's query: the typed parameters and the `attr.<name>` filters (named by the caller, so not in the types). */
type Params = NonNullable<operations['getV1ProductsSearch']['parameters']['query']> & { [attr: `attr.${string}`]: string };
type Bucket = Schema<'FacetBucket'>;
type Page = Schema<'SearchResult'>;
type Facet = 'brand' | 'category' | 'price' | 'attr.color';

async function search(client: TesseraClient, params: Params): Promise<Page> {
  return ok(await client.GET('/v1/products/search', { params: { query: params } }), 200);
}

describe('GET /v1/products/search on a hand-made catalog', () => {
  let t: TestApp;
  let admin: TesseraClient;
  let shop: TesseraClient;
  /** Product number (1-based, as in the table below) → id. */
  const id: Record<number, string> = {};
  const cat: Record<'audio' | 'headphones' | 'speakers' | 'outdoor', string> = { audio: '', headphones: '', speakers: '', outdoor: '' };
  const ids = (page: Page) => page.data.map((p) => Object.keys(id).find((n) => id[Number(n)] === p.id)).map(Number);

  beforeAll(async () => {
    t = await startTestApp();
    admin = api(t);
    shop = api(t, t.keys.publishable);
    const mkCat = async (name: string, parent_id?: string) => ok(await admin.POST('/v1/categories', { body: { name, parent_id } })).id;
    cat.audio = await mkCat('Audio');
    cat.headphones = await mkCat('Headphones', cat.audio);
    cat.speakers = await mkCat('Speakers', cat.audio);
    cat.outdoor = await mkCat('Outdoor');
    const { audio: A, headphones: H, speakers: S, outdoor: O } = cat;
    // title, brand, categories, color, [USD, EUR?] per variant, status, description
    const rows: [string, string | null, string[], string | null, [number, number?][], 'published' | 'draft' | 'archived', string?][] = [
      ['Acme Wireless Headphones', 'Acme', [H], 'black', [[1999, 1849]], 'published'],
      ['Acme Studio Headphones', 'Acme', [H], 'white', [[8999, 8299]], 'published'],
      ['Beta Wireless Earbuds', 'Beta', [H], 'black', [[4999, 4599]], 'published'],
      ['Beta Bluetooth Speaker', 'Beta', [S], 'red', [[2999, 2749]], 'published'],
      ['Corvo Party Speaker', 'Corvo', [S], 'black', [[12999, 11999]], 'published'],
      ['Corvo Mini Speaker', 'Corvo', [S], 'blue', [[2499, 2299]], 'draft'],
      ['Acme Audio Cable', 'Acme', [A], null, [[999, 949]], 'published'],
      ['Delta Camping Tent', 'Delta', [O], 'green', [[19999, 18499]], 'published'],
      ['Delta Hiking Backpack', 'Delta', [O], 'black', [[7999, 7349]], 'published', 'Fits a small speaker in the side pocket.'],
      ['Acme Trail Headlamp', 'Acme', [O], 'red', [[3499, 3249]], 'archived'],
      ['Echo Noise Cancelling Headphones', 'Echo', [H], 'silver', [[24999, 22999], [29999, 27599]], 'published'],
      ['Beta Travel Speaker', 'Beta', [S, O], 'black', [[5199, 4799], [6999]], 'published'],
      ['Gift Card', null, [], null, [[5000]], 'published'],
      ['Corvo Speakerz Stand', 'Corvo', [S], 'black', [[1499, 1399]], 'published'],
    ];
    for (const [i, [title, brand, category_ids, color, prices, status, description]] of rows.entries()) {
      const variants = prices.map(([usd, eur], j) => ({
        sku: `T-${i + 1}-${j}`,
        prices: [{ currency: 'USD', amount: usd }, ...(eur !== undefined ? [{ currency: 'EUR', amount: eur }] : [])],
      }));
      const attributes: Record<string, string> = color ? { color } : {};
      const body = { title, brand, category_ids, status, description: description ?? '', attributes, variants };
      id[i + 1] = ok(await admin.POST('/v1/products', { body }), 201).id;
    }
  });
  afterAll(() => t?.close());

  it('counts every facet over the whole catalog', async () => {
    const page = await search(admin, { facets: 'brand,category,price,attr.color', limit: 1 });
    expect(page.total_count).toBe(14);
    const counts = (f: string) => page.facets[f]!.map((b) => [b.value, b.count]);
    expect(counts('brand')).toEqual([['Acme', 4], ['Beta', 3], ['Corvo', 3], ['Delta', 2], ['Echo', 1]]);
    expect(page.facets.category).toEqual([
      { value: cat.audio, label: 'Audio', count: 10 },
      { value: cat.speakers, label: 'Speakers', count: 5 },
      { value: cat.headphones, label: 'Headphones', count: 4 },
      { value: cat.outdoor, label: 'Outdoor', count: 4 },
    ]);
    expect(page.facets.price).toEqual([
      { value: '0-2500', from: 0, to: 2500, count: 4 },
      { value: '2500-5000', from: 2500, to: 5000, count: 3 },
      { value: '5000-10000', from: 5000, to: 10000, count: 4 },
      { value: '10000-25000', from: 10000, to: 25000, count: 3 },
      { value: '25000-50000', from: 25000, to: 50000, count: 0 },
      { value: '50000+', from: 50000, to: null, count: 0 },
    ]);
    expect(counts('attr.color')).toEqual([['black', 6], ['red', 2], ['blue', 1], ['green', 1], ['silver', 1], ['white', 1]]);
  });

  it('finds a title despite typos', async () => {
    const page = await search(admin, { q: 'wireles hedphones' });
    expect(ids(page)).toEqual([1]);
    // two typos, word similarity 0.59: below pg_trgm's default threshold (0.6), found at ours (0.5)
    expect(ids(await search(admin, { q: 'hikng backpak' }))).toEqual([9]);
  });

  it('ranks title matches above description matches above fuzzy ones', async () => {
    const page = await search(admin, { q: 'speaker' });
    expect(page.total_count).toBe(6);
    expect(ids(page).slice(0, 4).sort((a, b) => a - b)).toEqual([4, 5, 6, 12]);
    expect(ids(page).slice(4)).toEqual([9, 14]);
  });

  it('filters by category including descendants, counting a product once', async () => {
    expect(ids(await search(admin, { category: cat.audio, sort: 'price_asc' }))).toEqual([7, 14, 1, 6, 4, 3, 12, 2, 5, 11]);
    expect((await search(admin, { category: cat.headphones })).total_count).toBe(4);
    expect(ids(await search(admin, { category: cat.outdoor, sort: 'newest' }))).toEqual([12, 10, 9, 8]);
  });

  it('ORs brands, and leaves the brand filter out of the brand facet only', async () => {
    const page = await search(admin, { brand: 'Acme,Delta', facets: 'brand,category' });
    expect(page.total_count).toBe(6);
    expect(page.facets.brand!.map((b) => [b.value, b.count])).toEqual([['Acme', 4], ['Beta', 3], ['Corvo', 3], ['Delta', 2], ['Echo', 1]]);
    expect(page.facets.category!.map((b) => [b.label, b.count])).toEqual([['Audio', 3], ['Outdoor', 3], ['Headphones', 2]]);
  });

  it('filters by price in USD and in EUR, bounds inclusive', async () => {
    expect(ids(await search(admin, { price_min: 2500, price_max: 4999, sort: 'price_asc' }))).toEqual([4, 10, 3]);
    expect(ids(await search(admin, { currency: 'EUR', price_min: 2500, price_max: 4999, sort: 'price_asc' }))).toEqual([4, 10, 3, 12]);
    expect((await search(admin, { price_max: 2499 })).total_count).toBe(4);
    const eur = await search(admin, { currency: 'EUR', facets: 'price' });
    expect(eur.facets.price!.map((b) => b.count)).toEqual([4, 4, 2, 3, 0, 0]);
  });

  it('filters by attribute, values ORed', async () => {
    expect((await search(admin, { 'attr.color': 'black' })).total_count).toBe(6);
    expect((await search(admin, { 'attr.color': 'black,red' })).total_count).toBe(8);
  });

  it('counts each facet under every filter but its own', async () => {
    const page = await search(admin, { brand: 'Beta', 'attr.color': 'black', facets: 'brand,attr.color' });
    expect(ids(page).sort((a, b) => a - b)).toEqual([3, 12]);
    expect(page.facets.brand!.map((b) => [b.value, b.count])).toEqual([['Beta', 2], ['Corvo', 2], ['Acme', 1], ['Delta', 1]]);
    expect(page.facets['attr.color']!.map((b) => [b.value, b.count])).toEqual([['black', 2], ['red', 1]]);
    // Choosing another value of a facet gives the count that facet showed for it.
    expect((await search(admin, { brand: 'Corvo', 'attr.color': 'black' })).total_count).toBe(2);
  });

  it('sorts by price either way and by newest', async () => {
    expect(ids(await search(admin, { brand: 'Beta', sort: 'price_asc' }))).toEqual([4, 3, 12]);
    expect(ids(await search(admin, { brand: 'Beta', sort: 'price_desc' }))).toEqual([12, 3, 4]);
    expect(ids(await search(admin, { brand: 'Beta' }))).toEqual([12, 4, 3]);
  });

  it('pages with the cursor', async () => {
    const first = await search(admin, { limit: 5 });
    expect(ids(first)).toEqual([14, 13, 12, 11, 10]);
    expect(first.has_more).toBe(true);
    const second = await search(admin, { limit: 5, starting_after: first.next_cursor! });
    expect(ids(second)).toEqual([9, 8, 7, 6, 5]);
    const third = await search(admin, { limit: 5, starting_after: second.next_cursor! });
    expect(ids(third)).toEqual([4, 3, 2, 1]);
    expect(third).toMatchObject({ has_more: false, next_cursor: null, total_count: 14 });
  });

  it('shows publishable keys published products only', async () => {
    const page = await search(shop, { facets: 'brand' });
    expect(page.total_count).toBe(12);
    expect(page.facets.brand!.map((b) => [b.value, b.count])).toEqual([['Acme', 3], ['Beta', 3], ['Corvo', 2], ['Delta', 2], ['Echo', 1]]);
    expect(ids(await search(shop, { q: 'speaker' }))).not.toContain(6);
    expect((await search(shop, { status: 'draft' })).total_count).toBe(0);
    expect(ids(await search(admin, { status: 'draft' }))).toEqual([6]);
  });

  it('refuses unknown parameters, facets and cursors with a 422 problem', async () => {
    const refused = async (query: Params) => problem(await admin.GET('/v1/products/search', { params: { query } }), 422);
    // invalid on purpose: a parameter the types do not have
    const unknown = await t.call('GET', '/v1/products/search?q=tent&colour=red');
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ code: 'validation_failed', errors: [{ parameter: 'colour' }] });
    await refused({ 'attr.Color': 'red' });
    expect(await refused({ facets: 'brand,colour' })).toMatchObject({ status: 422, code: 'invalid_search', errors: [{ parameter: 'facets' }] });
    expect(await refused({ starting_after: 'bm9wZQ' })).toMatchObject({ code: 'invalid_cursor', errors: [{ parameter: 'starting_after' }] });
  });

  it('sends cache headers and applies field selection', async () => {
    const res = await admin.GET('/v1/products/search', { params: { query: { brand: 'Echo', fields: 'id,title' } } });
    const headers = res.response.headers;
    expect(headers.get('cache-control')).toMatch(/^public/);
    expect(String(headers.get('surrogate-key')).split(' ')).toEqual(['products', `product-${id[11]}`]);
    expect(headers.get('etag')).toBeTruthy();
    expect(ok(res).data).toEqual([{ id: id[11], title: 'Echo Noise Cancelling Headphones' }]);
    const full = await admin.GET('/v1/products/search', { params: { query: { brand: 'Echo' } } });
    const again = await admin.GET('/v1/products/search', { params: { query: { brand: 'Echo' } }, headers: { 'if-none-match': String(full.response.headers.get('etag')) } });
    expect(again.response.status).toBe(304);
    expect(again.response.headers.get('etag')).toBe(full.response.headers.get('etag'));
  });

  it('serves repeated searches from the cache, and drops them when a product changes', async () => {
    const hits = async () => (await t.metrics.cache.get()).values.find((v) => v.labels.cache === 'search' && v.labels.result === 'hit')?.value ?? 0;
    const before = await hits();
    expect((await search(admin, { brand: 'Echo', sort: 'price_desc' })).total_count).toBe(1);
    expect((await search(admin, { sort: 'price_desc', brand: ' Echo' })).total_count).toBe(1);
    expect(await hits()).toBe(before + 1);
    expect((await search(admin, { brand: 'Echo' })).total_count).toBe(1);
    const product = { params: { path: { id: id[13]! } } };
    ok(await admin.PATCH('/v1/products/{id}', { ...product, body: { brand: 'Echo' } }), 200);
    expect((await search(admin, { brand: 'Echo' })).total_count).toBe(2);
    ok(await admin.PATCH('/v1/products/{id}', { ...product, body: { brand: null } }));
    expect((await search(admin, { brand: 'Echo' })).total_count).toBe(1);
  });
});

describe('GET /v1/products/search on the demo seed', () => {
  let t: TestApp;
  let admin: TesseraClient;
  beforeAll(async () => {
    t = await startTestApp();
    admin = api(t);
    await t.db.forEnv('test').transaction((tx) => seedCatalog(tx, { products: 500 }));
  });
  afterAll(() => t?.close());

  /** The filter that selects one facet value, replacing that facet's own filter. */
  function selecting(facet: Facet, b: Bucket): Params {
    if (facet === 'price') return b.to === null ? { price_min: b.from! } : { price_min: b.from!, price_max: b.to! - 1 };
    if (facet === 'brand') return { brand: b.value };
    return facet === 'category' ? { category: b.value } : { 'attr.color': b.value };
  }

  /** `base` without the filter of `facet` (both price bounds for the price facet). */
  function without(base: Params, facet: Facet): Params {
    const rest = { ...base };
    if (facet === 'price') {
      delete rest.price_min;
      delete rest.price_max;
    } else delete rest[facet];
    return rest;
  }

  it.each([
    [{}],
    [{ q: 'organic' }],
    [{ q: 'wireless', brand: 'Voltix,Auralis' }],
    [{ 'attr.color': 'Black', currency: 'EUR' }],
    [{ category: 'cat_00000000000000000000000001', price_min: 5000 }],
  ])('facet counts agree with filtering by each value: %j', async (base: Params) => {
    const facets: Facet[] = ['brand', 'category', 'price', 'attr.color'];
    const page = await search(admin, { ...base, facets: facets.join(','), limit: 1 });
    let checked = 0;
    for (const facet of facets) {
      const buckets = page.facets[facet]!.filter((b) => b.count > 0).slice(0, 4);
      for (const b of buckets) {
        const filtered = await search(admin, { ...without(base, facet), ...selecting(facet, b), limit: 1 });
        expect(filtered.total_count, `${facet}=${b.value}`).toBe(b.count);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3);
  });
});
