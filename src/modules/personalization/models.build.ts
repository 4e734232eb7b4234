import type { Queryable } from '../../platform/db/database.js';

/** What a build is parameterised by; stored with the snapshot (`params`). */
export interface BuildParams {
  /** Popularity and affinity weigh a signal by 0.5^(age / half-life). */
  half_life_days: number;
  /** Purchases by one shopper this close in time are "bought together" (an order's lines share their time). */
  bought_window_hours: number;
  /** Views by one shopper this close in time are "viewed together". */
  viewed_window_hours: number;
  /** What one signal of each type weighs in popularity and affinity. */
  weights: { view: number; add_to_cart: number; purchase: number };
  /** Neighbours kept per product and kind. */
  neighbors_per_product: number;
  /** Signals older than this (before `as_of`) are ignored. */
  lookback_days: number;
  /** The share of the purchases' time span held out for the offline evaluation. */
  holdout_fraction: number;
}

export const DEFAULT_BUILD_PARAMS: BuildParams = {
  half_life_days: 14,
  bought_window_hours: 24,
  viewed_window_hours: 24,
  weights: { view: 1, add_to_cart: 3, purchase: 5 },
  neighbors_per_product: 50,
  lookback_days: 90,
  holdout_fraction: 0.2,
};

/** The signals a build reads: `since <= occurred_at < until`; decay is measured from `until`. */
export interface BuildWindow {
  since: Date;
  until: Date;
}

/** Product → category ids, as two parallel arrays (one row per pair) for `unnest`. */
export interface ProductCategories {
  products: string[];
  categories: string[];
}

const SUBJECT = `CASE WHEN customer_id IS NOT NULL THEN 'c:' || customer_id ELSE 'a:' || anonymous_id END`;
const WEIGHT = `(CASE type WHEN 'view' THEN $4::float8 WHEN 'add_to_cart' THEN $5::float8 ELSE $6::float8 END
  * power(0.5::float8, greatest(0, extract(epoch FROM ($2::timestamptz - occurred_at)))::float8 / $7::float8))`;

/** Flattens a product → categories map into `unnest` arrays, sorted (deterministic). */
export function productCategories(map: ReadonlyMap<string, readonly string[]>): ProductCategories {
  const out: ProductCategories = { products: [], categories: [] };
  for (const product of [...map.keys()].sort()) {
    for (const category of [...new Set(map.get(product))].sort()) {
      out.products.push(product);
      out.categories.push(category);
    }
  }
  return out;
}

/**
 * Item-to-item co-occurrence of one kind: for each pair of products, the shoppers who did both
 * within the window (`support`), scored by cosine, support / sqrt(shoppers(a) × shoppers(b)), so
 * an item everyone buys is not everyone's neighbour. Keeps the top `neighbors_per_product` per product.
 */
export async function buildNeighbors(tx: Queryable, modelId: string, window: BuildWindow, kind: 'bought_together' | 'viewed_together', p: BuildParams): Promise<number> {
  const { rowCount } = await tx.query(
    `WITH ev AS (
       SELECT DISTINCT ${SUBJECT} AS subject, product_id, occurred_at FROM signals
        WHERE type = $4 AND occurred_at >= $3 AND occurred_at < $2
     ), items AS (
       SELECT product_id, count(DISTINCT subject) AS n FROM ev GROUP BY product_id
     ), pairs AS (
       SELECT a.product_id AS p, b.product_id AS q, count(DISTINCT a.subject) AS n
         FROM ev a JOIN ev b ON b.subject = a.subject AND b.product_id <> a.product_id
          AND b.occurred_at >= a.occurred_at - make_interval(hours => $5::int) AND b.occurred_at <= a.occurred_at + make_interval(hours => $5::int)
        GROUP BY a.product_id, b.product_id
     ), ranked AS (
       SELECT pr.p, pr.q, pr.n, pr.n / sqrt(ia.n::float8 * ib.n::float8) AS score
         FROM pairs pr JOIN items ia ON ia.product_id = pr.p JOIN items ib ON ib.product_id = pr.q
     ), top AS (
       SELECT p, q, n, score, row_number() OVER (PARTITION BY p ORDER BY score DESC, n DESC, q) AS rn FROM ranked
     )
     INSERT INTO model_neighbors (model_id, product_id, neighbor_id, kind, score, support)
     SELECT $1, p, q, $6, score, n FROM top WHERE rn <= $7`,
    [modelId, window.until, window.since, kind === 'bought_together' ? 'purchase' : 'view', kind === 'bought_together' ? p.bought_window_hours : p.viewed_window_hours, kind, p.neighbors_per_product],
  );
  return rowCount ?? 0;
}

/**
 * Time-decayed popularity: per product, the sum of its signals' weights decayed by age, overall
 * (category '') and under each of its categories. `support` counts the signals.
 */
export async function buildPopularity(tx: Queryable, modelId: string, window: BuildWindow, cats: ProductCategories, p: BuildParams): Promise<number> {
  const { rowCount } = await tx.query(
    `WITH pc AS (SELECT * FROM unnest($8::text[], $9::text[]) AS t(product_id, category_id)),
     s AS (
       SELECT product_id, sum(${WEIGHT}) AS score, count(*)::int AS support FROM signals
        WHERE occurred_at >= $3 AND occurred_at < $2 GROUP BY product_id
     )
     INSERT INTO model_popularity (model_id, product_id, category_id, score, support)
     SELECT $1, product_id, '', score, support FROM s
     UNION ALL
     SELECT $1, s.product_id, pc.category_id, s.score, s.support FROM s JOIN pc ON pc.product_id = s.product_id`,
    [modelId, window.until, window.since, p.weights.view, p.weights.add_to_cart, p.weights.purchase, p.half_life_days * 86_400, cats.products, cats.categories],
  );
  return rowCount ?? 0;
}

/**
 * Category affinity per shopper: the share of its decayed, weighted signals that fall on products
 * of each category (0–1; a product in two categories counts for both). `support` counts the signals.
 */
export async function buildAffinity(tx: Queryable, modelId: string, window: BuildWindow, cats: ProductCategories, p: BuildParams): Promise<number> {
  const { rowCount } = await tx.query(
    `WITH pc AS (SELECT * FROM unnest($8::text[], $9::text[]) AS t(product_id, category_id)),
     w AS (
       SELECT ${SUBJECT} AS subject, product_id, ${WEIGHT} AS w FROM signals WHERE occurred_at >= $3 AND occurred_at < $2
     ), tot AS (
       SELECT subject, sum(w) AS total FROM w GROUP BY subject
     ), cat AS (
       SELECT w.subject, pc.category_id, sum(w.w) AS score, count(*)::int AS support FROM w JOIN pc ON pc.product_id = w.product_id GROUP BY w.subject, pc.category_id
     )
     INSERT INTO model_affinity (model_id, subject, category_id, score, support)
     SELECT $1, cat.subject, cat.category_id, cat.score / tot.total, cat.support FROM cat JOIN tot ON tot.subject = cat.subject WHERE tot.total > 0`,
    [modelId, window.until, window.since, p.weights.view, p.weights.add_to_cart, p.weights.purchase, p.half_life_days * 86_400, cats.products, cats.categories],
  );
  return rowCount ?? 0;
}

/** Builds every part of a snapshot for `window`; returns the rows written per table. */
export async function buildSnapshot(tx: Queryable, modelId: string, window: BuildWindow, cats: ProductCategories, p: BuildParams) {
  return {
    bought_together: await buildNeighbors(tx, modelId, window, 'bought_together', p),
    viewed_together: await buildNeighbors(tx, modelId, window, 'viewed_together', p),
    popularity: await buildPopularity(tx, modelId, window, cats, p),
    affinity: await buildAffinity(tx, modelId, window, cats, p),
  };
}

/** The distinct products of the signals in `window` (whose categories the catalog is asked for). */
export async function signalProducts(db: Queryable, window: BuildWindow): Promise<string[]> {
  const { rows } = await db.query<{ product_id: string }>('SELECT DISTINCT product_id FROM signals WHERE occurred_at >= $1 AND occurred_at < $2 ORDER BY product_id', [window.since, window.until]);
  return rows.map((r) => r.product_id);
}
