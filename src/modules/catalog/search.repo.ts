import type { Queryable } from '../../platform/db/database.js';
import { fuzzyText, MAX_FACET_VALUES, PRICE_BUCKETS, type FacetName, type SearchQuery } from './search.query.js';

/** One facet value as counted by the database; price values are bucket numbers, 1-based. */
export interface FacetCount {
  value: string;
  count: number;
  label?: string;
}

/** What one search statement returns: the total, the page's ids in order, and the facets asked for. */
export interface SearchRows {
  total: number;
  ids: string[];
  facets: Partial<Record<FacetName, FacetCount[]>>;
}

/** Collects positional parameters while the statement is assembled. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** A filter over `products p`, and the facet whose counts must leave it out (null: never left out). */
interface Filter {
  facet: FacetName | null;
  sql: string;
}

function filtersOf(query: SearchQuery, params: Params, price: string): Filter[] {
  const filters: Filter[] = [];
  // storefronts: published products of sellers in good standing (facets counted over the same rows)
  if (query.publishedOnly) filters.push({ facet: null, sql: `p.status = 'published' AND NOT p.seller_suspended` });
  if (query.status) filters.push({ facet: null, sql: `p.status = ${params.add(query.status)}` });
  if (query.category !== null) filters.push({ facet: 'category', sql: `p.category_paths @> ARRAY[${params.add(query.category)}]::text[]` });
  if (query.brands.length) filters.push({ facet: 'brand', sql: `p.brand = ANY(${params.add(query.brands)}::text[])` });
  if (query.sellers.length) filters.push({ facet: 'seller_id', sql: `p.seller_id = ANY(${params.add(query.sellers)}::text[])` });
  const bounds = [query.priceMin !== null ? `${price} >= ${params.add(query.priceMin)}::bigint` : null, query.priceMax !== null ? `${price} <= ${params.add(query.priceMax)}::bigint` : null];
  if (bounds.some(Boolean)) filters.push({ facet: 'price', sql: bounds.filter(Boolean).join(' AND ') });
  for (const attr of query.attrs) {
    // `@>` containment can use the jsonb_path_ops index when the filter lands in the WHERE clause.
    const any = attr.values.map((v) => `p.attributes @> ${params.add(JSON.stringify({ [attr.name]: v }))}::jsonb`);
    filters.push({ facet: `attr.${attr.name}`, sql: `(${any.join(' OR ')})` });
  }
  return filters;
}

/**
 * The rows of the base CTE. With `q`: the full-text matches (score 1 + rank, in [1, 2)), then the
 * titles within trigram word-similarity of the query that full text missed (score below 1), so
 * exact words always rank first. Two index scans, not one OR: the planner prices `<%` as a cheap
 * operator and would test it on every row, at some 10 µs a row.
 */
function baseRows(query: SearchQuery, params: Params, columns: string[], where: string[]): string {
  const select = (score: string | null, extra: string[]) =>
    `SELECT ${[...columns, ...(score ? [`${score} AS score`] : [])].join(', ')} FROM products p WHERE ${[...where, ...extra].join(' AND ') || 'true'}`;
  if (query.q === null) return select(null, []);
  const tsquery = `websearch_to_tsquery('english', ${params.add(query.q)})`;
  const exact = select(`1 + ts_rank_cd(p.search_vector, ${tsquery}, 32)`, [`p.search_vector @@ ${tsquery}`]);
  const fuzzy = fuzzyText(query.q);
  if (fuzzy === null) return exact;
  const f = params.add(fuzzy);
  return `${exact}\n    UNION ALL ${select(`word_similarity(${f}, p.title) * 0.999`, [`${f} <% p.title`, `NOT p.search_vector @@ ${tsquery}`])}`;
}

const ORDER: Record<SearchQuery['sort'], string> = {
  relevance: 'score DESC, id',
  newest: 'created_at DESC, id DESC',
  price_asc: 'price ASC NULLS LAST, id',
  price_desc: 'price DESC NULLS LAST, id',
};

/**
 * Builds the one statement of a search. A MATERIALIZED CTE holds the products matching the filters
 * that no requested facet leaves out, with one boolean column per filter that some facet does leave
 * out (disjunctive faceting). From that CTE one SELECT returns the total, the page of ids, and
 * each facet's counts over the rows passing every flag but its own.
 */
export function buildSearchSql(query: SearchQuery): { sql: string; values: unknown[]; facets: FacetName[] } {
  const params = new Params();
  const currency = params.add(query.currency);
  const price = `(p.min_prices->>${currency}::text)::bigint`;
  const requested = new Set(query.facets);
  const where: string[] = [];
  const flags: { facet: FacetName; column: string }[] = [];
  const columns = ['p.id', 'p.created_at', `${price} AS price`];
  for (const f of filtersOf(query, params, price)) {
    if (f.facet === null || !requested.has(f.facet)) {
      where.push(f.sql);
      continue;
    }
    const column = `f_${flags.length}`;
    flags.push({ facet: f.facet, column });
    columns.push(`(${f.sql}) AS ${column}`);
  }
  const passing = (except?: FacetName) => flags.filter((f) => f.facet !== except).map((f) => f.column).join(' AND ') || 'true';

  const selects = [`(SELECT count(*)::int FROM base WHERE ${passing()}) AS total`];
  const limit = params.add(query.limit);
  const offset = params.add(query.offset);
  selects.push(`ARRAY(SELECT id FROM base WHERE ${passing()} ORDER BY ${ORDER[query.sort]} LIMIT ${limit} OFFSET ${offset}) AS ids`);
  const top = (expr: string, from: string, when: string, count = 'count(*)') =>
    `SELECT ${expr} AS v, ${count}::int AS n FROM ${from} WHERE ${when} GROUP BY 1 ORDER BY n DESC, v LIMIT ${MAX_FACET_VALUES}`;
  const asJson = (inner: string, label = '') =>
    `coalesce((SELECT json_agg(json_build_object('value', f.v, 'count', f.n${label}) ORDER BY f.n DESC, f.v) FROM (${inner}) f`;
  query.facets.forEach((facet, i) => {
    const others = passing(facet);
    let sql: string;
    if (facet === 'brand') {
      columns.push('p.brand');
      sql = `${asJson(top('brand', 'base', `brand IS NOT NULL AND ${others}`))}), '[]')`;
    } else if (facet === 'seller_id') {
      columns.push('p.seller_id');
      sql = `${asJson(top('seller_id', 'base', `seller_id IS NOT NULL AND ${others}`))}), '[]')`;
    } else if (facet === 'category') {
      columns.push('p.category_paths');
      // Products share a few dozen distinct paths: counting those first, then unnesting, is 3× faster.
      const paths = `(SELECT category_paths, count(*) AS k FROM base WHERE ${others} GROUP BY 1) g, unnest(g.category_paths) AS c`;
      sql = `${asJson(top('c', paths, 'true', 'sum(g.k)'), `, 'label', cat.name`)} JOIN categories cat ON cat.id = f.v), '[]')`;
    } else if (facet === 'price') {
      const bounds = params.add(PRICE_BUCKETS.map((b) => b.from));
      sql = `${asJson(top(`width_bucket(price, ${bounds}::bigint[])::text`, 'base', `price IS NOT NULL AND ${others}`))}), '[]')`;
    } else {
      columns.push(`p.attributes->>${params.add(facet.slice('attr.'.length))}::text AS a_${i}`);
      sql = `${asJson(top(`a_${i}`, 'base', `a_${i} IS NOT NULL AND ${others}`))}), '[]')`;
    }
    selects.push(`${sql} AS facet_${i}`);
  });
  const sql = `WITH base AS MATERIALIZED (${baseRows(query, params, columns, where)})\nSELECT ${selects.join(',\n  ')}`;
  return { sql, values: params.values, facets: query.facets };
}

/** Runs a search in one round trip: total, the page's product ids in order, and the requested facets. */
export async function searchProducts(db: Queryable, query: SearchQuery): Promise<SearchRows> {
  const { sql, values, facets } = buildSearchSql(query);
  const { rows } = await db.query<Record<string, unknown>>(sql, values);
  const row = rows[0] ?? {};
  const out: SearchRows = { total: Number(row.total ?? 0), ids: (row.ids as string[] | undefined) ?? [], facets: {} };
  facets.forEach((facet, i) => {
    out.facets[facet] = (row[`facet_${i}`] as FacetCount[] | undefined) ?? [];
  });
  return out;
}
