import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, fuzzyText, MAX_OFFSET, parseSearchQuery, PRICE_BUCKETS, searchCacheKey, splitList, type SearchParams } from './search.query.js';

const parse = (params: SearchParams, publishedOnly = false) => parseSearchQuery(params, { publishedOnly });

function ok(params: SearchParams, publishedOnly = false) {
  const parsed = parse(params, publishedOnly);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.query;
}

describe('splitList', () => {
  it('trims, drops empties, dedupes and sorts', () => {
    expect(splitList(' Zed , Acme,,Acme ')).toEqual(['Acme', 'Zed']);
  });
  it('keeps escaped commas inside a value', () => {
    expect(splitList('Smith\\, Jones & Co,Acme')).toEqual(['Acme', 'Smith, Jones & Co']);
  });
});

describe('cursors', () => {
  it('round-trips an offset', () => {
    for (const n of [0, 20, 12345, MAX_OFFSET]) expect(decodeCursor(encodeCursor(n))).toBe(n);
  });
  it('rejects tokens it did not make', () => {
    for (const bad of ['', 'abc', encodeCursor(1) + 'x', Buffer.from('o:-1').toString('base64url'), Buffer.from('o:01').toString('base64url'), encodeCursor(MAX_OFFSET + 1)]) {
      expect(decodeCursor(bad)).toBeUndefined();
    }
  });
});

describe('parseSearchQuery', () => {
  it('fills the defaults', () => {
    expect(ok({})).toEqual({
      publishedOnly: false,
      status: null,
      q: null,
      category: null,
      brands: [],
      sellers: [],
      currency: 'USD',
      priceMin: null,
      priceMax: null,
      attrs: [],
      sort: 'newest',
      facets: [],
      limit: 20,
      offset: 0,
    });
  });

  it('normalizes q, and sorts by relevance only when there is one', () => {
    expect(ok({ q: '  Wireless   HEADPHONES ' })).toMatchObject({ q: 'wireless headphones', sort: 'relevance' });
    expect(ok({ q: '   ' })).toMatchObject({ q: null, sort: 'newest' });
    expect(ok({ sort: 'relevance' }).sort).toBe('newest');
    expect(ok({ q: 'tent', sort: 'price_asc' }).sort).toBe('price_asc');
  });

  it('collects attr.<name> parameters, sorted by name, values OR-ed', () => {
    const query = ok({ 'attr.size': 'M,L', 'attr.color': 'red', brand: 'Beta,Acme' });
    expect(query.attrs).toEqual([
      { name: 'color', values: ['red'] },
      { name: 'size', values: ['L', 'M'] },
    ]);
    expect(query.brands).toEqual(['Acme', 'Beta']);
  });

  it('accepts known facets and refuses others', () => {
    expect(ok({ facets: 'price,brand,attr.color,category' }).facets).toEqual(['attr.color', 'brand', 'category', 'price']);
    const bad = parse({ facets: 'brand,colour' });
    expect(bad).toMatchObject({ ok: false, reason: 'invalid_search', errors: [{ parameter: 'facets' }] });
  });

  it('refuses an empty attribute filter and an inverted price range', () => {
    expect(parse({ 'attr.color': ' , ' })).toMatchObject({ ok: false, errors: [{ parameter: 'attr.color' }] });
    expect(parse({ price_min: 500, price_max: 100 })).toMatchObject({ ok: false, errors: [{ parameter: 'price_max' }] });
    expect(ok({ price_min: 100, price_max: 100 })).toMatchObject({ priceMin: 100, priceMax: 100 });
  });

  it('turns a cursor into an offset, and a bad one into invalid_cursor', () => {
    expect(ok({ starting_after: encodeCursor(40) }).offset).toBe(40);
    expect(parse({ starting_after: 'nope' })).toMatchObject({ ok: false, reason: 'invalid_cursor', errors: [{ parameter: 'starting_after' }] });
  });

  it('gives equal searches equal cache keys, and keeps storefront and secret results apart', () => {
    const a = searchCacheKey(ok({ q: 'Tent ', brand: 'B,A', facets: 'price,brand', 'attr.size': 'M', 'attr.color': 'red', fields: 'id' }));
    const b = searchCacheKey(ok({ 'attr.color': 'red', 'attr.size': 'M', facets: 'brand,price', brand: 'A,B', q: 'tent' }));
    expect(a).toBe(b);
    expect(searchCacheKey(ok({ q: 'tent' }, true))).not.toBe(searchCacheKey(ok({ q: 'tent' }, false)));
  });
});

describe('fuzzyText', () => {
  it('keeps the words a title may match, not websearch syntax or excluded words', () => {
    expect(fuzzyText('"wireles hedphones" -earbuds')).toBe('wireles hedphones');
    expect(fuzzyText('tent or tarp')).toBe('tent tarp');
  });
  it('gives nothing to match when no letter or digit is left', () => {
    expect(fuzzyText('!!!')).toBeNull();
    expect(fuzzyText('-tent')).toBeNull();
    expect(fuzzyText('café')).toBe('café');
  });
});

describe('PRICE_BUCKETS', () => {
  it('tile the price line without gaps, the last open-ended', () => {
    expect(PRICE_BUCKETS[0]!.from).toBe(0);
    for (let i = 1; i < PRICE_BUCKETS.length; i++) expect(PRICE_BUCKETS[i]!.from).toBe(PRICE_BUCKETS[i - 1]!.to);
    expect(PRICE_BUCKETS.at(-1)).toEqual({ value: '50000+', from: 50000, to: null });
    expect(PRICE_BUCKETS[1]).toEqual({ value: '2500-5000', from: 2500, to: 5000 });
  });
});
