import type { FieldError } from '../../platform/http/errors.js';
import type { Product } from './catalog.schemas.js';

export type SearchSort = 'relevance' | 'price_asc' | 'price_desc' | 'newest';
/** A facet: `brand`, `category`, `price`, `seller_id` or `attr.<name>`. */
export type FacetName = 'brand' | 'category' | 'price' | 'seller_id' | `attr.${string}`;

/** The query string of `GET /v1/products/search` once the route schema has validated it. */
export interface SearchParams {
  q?: string;
  category?: string;
  brand?: string;
  seller_id?: string;
  currency?: string;
  price_min?: number;
  price_max?: number;
  sort?: SearchSort;
  facets?: string;
  status?: Product['status'];
  limit?: number;
  starting_after?: string;
  fields?: string;
  [attr: `attr.${string}`]: string | undefined;
}

/** A validated, normalized search: arrays sorted and deduplicated, so equal searches are equal values. */
export interface SearchQuery {
  publishedOnly: boolean;
  status: Product['status'] | null;
  q: string | null;
  category: string | null;
  brands: string[];
  /** Marketplace sellers (`products.seller_id`), OR-ed like brands. */
  sellers: string[];
  currency: string;
  priceMin: number | null;
  priceMax: number | null;
  /** One entry per `attr.<name>` parameter, by name; values are OR-ed. */
  attrs: { name: string; values: string[] }[];
  sort: SearchSort;
  facets: FacetName[];
  limit: number;
  offset: number;
}

export type ParsedSearch = { ok: true; query: SearchQuery } | { ok: false; reason: 'invalid_search' | 'invalid_cursor'; errors: FieldError[] };

/** Fixed price buckets, in minor units of the requested currency: `from` ≤ price < `to`; the last is open. */
export const PRICE_BUCKETS: readonly { value: string; from: number; to: number | null }[] = [
  [0, 2500],
  [2500, 5000],
  [5000, 10000],
  [10000, 25000],
  [25000, 50000],
  [50000, null],
].map(([from, to]) => ({ value: to === null ? `${from}+` : `${from}-${to}`, from: from!, to: to ?? null }));

export const MAX_FACET_VALUES = 100;
/** Offset pagination goes this deep at most; past it, narrow the search. */
export const MAX_OFFSET = 100_000;
const ATTR_PARAM = /^attr\.([a-z][a-z0-9_]{0,39})$/;
const MAX_LIST = 50;
const MAX_FACETS = 10;

/**
 * Splits a comma-separated list; `\,` keeps a comma inside a value. Values are trimmed, empty ones
 * dropped, duplicates removed, and the rest sorted.
 * @example splitList('Acme, Beta\\, Inc,Acme') // ['Acme', 'Beta, Inc']
 */
export function splitList(raw: string): string[] {
  const values = raw.split(/(?<!\\),/).map((v) => v.replaceAll('\\,', ',').trim());
  return [...new Set(values.filter(Boolean))].sort();
}

/** The opaque `next_cursor`: the offset of the next page, base64url-encoded. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

/** The offset in a cursor from `encodeCursor`, or undefined when the token is not one. */
export function decodeCursor(token: string): number | undefined {
  const m = /^o:(0|[1-9]\d{0,8})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  const offset = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(offset) || offset > MAX_OFFSET || encodeCursor(offset) !== token) return undefined;
  return offset;
}

function parseFacets(raw: string | undefined, errors: FieldError[]): FacetName[] {
  const facets = raw === undefined ? [] : splitList(raw);
  for (const f of facets) {
    if (f !== 'brand' && f !== 'category' && f !== 'price' && f !== 'seller_id' && !ATTR_PARAM.test(f)) {
      errors.push({ detail: `Unknown facet "${f}": use brand, category, price, seller_id or attr.<name>.`, parameter: 'facets' });
    }
  }
  if (facets.length > MAX_FACETS) errors.push({ detail: `At most ${MAX_FACETS} facets.`, parameter: 'facets' });
  return facets as FacetName[];
}

/**
 * Turns the validated query string into a SearchQuery, or returns what is wrong with it: a bad
 * cursor (`invalid_cursor`) or values the schema cannot check (`invalid_search`).
 * `publishedOnly` comes from the caller's key: storefront keys see published products only, and
 * none of a suspended seller.
 * @example parseSearchQuery({ q: 'tent', brand: 'Acme,Beta', 'attr.color': 'red' }, { publishedOnly: true })
 */
export function parseSearchQuery(params: SearchParams, options: { publishedOnly: boolean }): ParsedSearch {
  let offset = 0;
  if (params.starting_after !== undefined) {
    const decoded = decodeCursor(params.starting_after);
    if (decoded === undefined) {
      return { ok: false, reason: 'invalid_cursor', errors: [{ detail: 'The cursor is not one this search returned as next_cursor.', parameter: 'starting_after' }] };
    }
    offset = decoded;
  }
  const errors: FieldError[] = [];
  const q = params.q?.trim().replace(/\s+/g, ' ').toLowerCase() || null;
  const brands = params.brand === undefined ? [] : splitList(params.brand);
  if (brands.length > MAX_LIST) errors.push({ detail: `At most ${MAX_LIST} brands.`, parameter: 'brand' });
  const sellers = params.seller_id === undefined ? [] : splitList(params.seller_id);
  if (sellers.length > MAX_LIST) errors.push({ detail: `At most ${MAX_LIST} sellers.`, parameter: 'seller_id' });
  const attrs: SearchQuery['attrs'] = [];
  for (const [key, value] of Object.entries(params)) {
    const name = ATTR_PARAM.exec(key)?.[1];
    if (name === undefined || typeof value !== 'string') continue;
    const values = splitList(value);
    if (values.length === 0) errors.push({ detail: `${key} needs at least one value.`, parameter: key });
    else if (values.length > MAX_LIST) errors.push({ detail: `At most ${MAX_LIST} values in ${key}.`, parameter: key });
    attrs.push({ name, values });
  }
  attrs.sort((a, b) => (a.name < b.name ? -1 : 1));
  if (attrs.length > MAX_FACETS) errors.push({ detail: `At most ${MAX_FACETS} attribute filters.`, parameter: 'attr' });
  const priceMin = params.price_min ?? null;
  const priceMax = params.price_max ?? null;
  if (priceMin !== null && priceMax !== null && priceMin > priceMax) errors.push({ detail: 'price_max must not be below price_min.', parameter: 'price_max' });
  const facets = parseFacets(params.facets, errors);
  if (errors.length) return { ok: false, reason: 'invalid_search', errors };
  // Relevance needs a text query to rank by; without one the newest products come first.
  const sort = params.sort === undefined || (params.sort === 'relevance' && !q) ? (q ? 'relevance' : 'newest') : params.sort;
  return {
    ok: true,
    query: {
      publishedOnly: options.publishedOnly,
      status: params.status ?? null,
      q,
      category: params.category ?? null,
      brands,
      sellers,
      currency: params.currency ?? 'USD',
      priceMin,
      priceMax,
      attrs,
      sort,
      facets,
      limit: params.limit ?? 20,
      offset,
    },
  };
}

/**
 * The words of `q` for trigram matching: websearch syntax dropped (quotes, `or`, and `-excluded`
 * words, which must not make a title match). Null when nothing is left to match, since a query
 * without trigrams would make the index return every row.
 * @example fuzzyText('"wireles hedphones" -earbuds') // 'wireles hedphones'
 */
export function fuzzyText(q: string): string | null {
  const words = q.replaceAll('"', ' ').split(' ').filter((w) => w && w !== 'or' && !w.startsWith('-'));
  const text = words.join(' ');
  return /[\p{L}\p{N}]/u.test(text) ? text : null;
}

/** The filter a facet's counts leave out, so a selected value still shows its siblings' counts. */
export function facetFilterActive(query: SearchQuery, facet: FacetName): boolean {
  if (facet === 'brand') return query.brands.length > 0;
  if (facet === 'seller_id') return query.sellers.length > 0;
  if (facet === 'category') return query.category !== null;
  if (facet === 'price') return query.priceMin !== null || query.priceMax !== null;
  return query.attrs.some((a) => `attr.${a.name}` === facet);
}

/** A cache key equal for equal searches: the normalized query is already canonical. */
export function searchCacheKey(query: SearchQuery): string {
  return JSON.stringify(query);
}
