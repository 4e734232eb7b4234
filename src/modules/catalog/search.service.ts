import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { CatalogErrors } from './catalog.errors.js';
import type { Product } from './catalog.schemas.js';
import { publishedOnly, type ProductsService } from './products.service.js';
import { PageCache } from './page-cache.js';
import { encodeCursor, MAX_OFFSET, parseSearchQuery, PRICE_BUCKETS, searchCacheKey, type SearchParams, type SearchQuery } from './search.query.js';
import * as repo from './search.repo.js';

/** One facet value: how many results carry it. Category values have a label; price buckets a range. */
export interface FacetBucket {
  value: string;
  count: number;
  label?: string;
  from?: number;
  to?: number | null;
}

/** A page of search results with the total and the requested facets. */
export interface SearchPage {
  object: 'list';
  data: Product[];
  has_more: boolean;
  next_cursor: string | null;
  total_count: number;
  facets: Record<string, FacetBucket[]>;
}

/** Searched pages kept per environment, bounded by count and by the products they hold (~1 kB each, twice with the serialized body). */
const CACHE_LIMITS = { max: 2000, maxSize: 10_000, sizeOf: (page: SearchPage) => page.data.length + 1 };

/** Names price buckets (the database returns their 1-based numbers) and keeps empty ones, in order. */
function priceFacet(counts: readonly repo.FacetCount[]): FacetBucket[] {
  const byBucket = new Map(counts.map((c) => [Number(c.value), c.count]));
  return PRICE_BUCKETS.map((b, i) => ({ value: b.value, count: byBucket.get(i + 1) ?? 0, from: b.from, to: b.to }));
}

/**
 * Faceted product search: full text with typo tolerance, filters by category (with descendants),
 * brand, price and attributes, and disjunctive facet counts. One SQL round trip computes the page,
 * the total and every facet; a second loads the page's products. Results are cached in process
 * until a product or category changes.
 */
export class SearchService {
  private readonly cache: PageCache<SearchPage>;

  constructor(
    deps: Pick<ModuleDeps, 'bus' | 'metrics'>,
    private readonly products: ProductsService,
  ) {
    this.cache = new PageCache<SearchPage>('search', CACHE_LIMITS, deps.bus, deps.metrics);
  }

  /** Validates the parameters (422 `invalid_search` or `invalid_cursor`) and returns one page. */
  async search(ctx: ServiceContext, params: SearchParams): Promise<SearchPage> {
    const parsed = parseSearchQuery(params, { publishedOnly: publishedOnly(ctx) });
    if (!parsed.ok) {
      const spec = parsed.reason === 'invalid_cursor' ? CatalogErrors.invalidCursor : CatalogErrors.invalidSearch;
      throw new AppError(spec, parsed.errors.map((e) => e.detail).join(' '), parsed.errors);
    }
    const query = parsed.query;
    return this.cache.get(ctx.env, searchCacheKey(query), () => this.run(ctx, query));
  }

  private async run(ctx: ServiceContext, query: SearchQuery): Promise<SearchPage> {
    const rows = await repo.searchProducts(ctx.db, query);
    const data = await this.products.loadMany(ctx, rows.ids);
    const facets: Record<string, FacetBucket[]> = {};
    for (const facet of query.facets) {
      const counts = rows.facets[facet] ?? [];
      facets[facet] = facet === 'price' ? priceFacet(counts) : counts;
    }
    const next = query.offset + query.limit;
    const hasMore = next < rows.total && next <= MAX_OFFSET;
    return { object: 'list', data, has_more: hasMore, next_cursor: hasMore ? encodeCursor(next) : null, total_count: rows.total, facets };
  }
}
