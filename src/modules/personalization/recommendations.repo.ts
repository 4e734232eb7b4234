import type { Queryable } from '../../platform/db/database.js';

/** Reads of the recommendation model snapshots (immutable once built; the models side writes them). */

export interface ActiveModel {
  id: string;
  version: number;
}

export interface NeighborRow {
  product_id: string;
  neighbor_id: string;
  kind: 'bought_together' | 'viewed_together';
  score: number;
  support: number;
}

export interface PopularityRow {
  product_id: string;
  category_id: string;
  score: number;
  support: number;
}

export interface AffinityRow {
  category_id: string;
  score: number;
  support: number;
}

export async function activeModel(db: Queryable): Promise<ActiveModel | undefined> {
  const { rows } = await db.query<ActiveModel>(`SELECT id, version FROM recommendation_models WHERE status = 'active'`, [], 'recs_active_model');
  return rows[0];
}

/** The neighbours of `productIds` (both kinds), best first, at most `perKind` per product and kind. */
export async function neighbors(db: Queryable, modelId: string, productIds: readonly string[], perKind: number): Promise<NeighborRow[]> {
  const { rows } = await db.query<NeighborRow>(
    `SELECT product_id, neighbor_id, kind, score, support FROM (
       SELECT n.*, row_number() OVER (PARTITION BY n.product_id, n.kind ORDER BY n.score DESC, n.neighbor_id) AS rank
       FROM model_neighbors n
       WHERE n.model_id = $1 AND n.kind IN ('bought_together', 'viewed_together') AND n.product_id = ANY($2::text[])
     ) ranked WHERE rank <= $3
     ORDER BY score DESC, neighbor_id`,
    [modelId, productIds, perKind],
    'recs_neighbors',
  );
  return rows;
}

/** The most popular products of each category in `categoryIds` ('' is overall), best first, at most `perCategory` each. */
export async function popularity(db: Queryable, modelId: string, categoryIds: readonly string[], perCategory: number): Promise<PopularityRow[]> {
  const { rows } = await db.query<PopularityRow>(
    `SELECT c.category_id, p.product_id, p.score, p.support
     FROM unnest($2::text[]) AS c(category_id)
     CROSS JOIN LATERAL (
       SELECT product_id, score, support FROM model_popularity
       WHERE model_id = $1 AND category_id = c.category_id
       ORDER BY score DESC, product_id LIMIT $3
     ) p
     ORDER BY p.score DESC, p.product_id`,
    [modelId, categoryIds, perCategory],
    'recs_popularity',
  );
  return rows;
}

/** A subject's strongest category affinities ('c:<customer_id>' or 'a:<anonymous_id>'). */
export async function affinity(db: Queryable, modelId: string, subject: string, limit: number): Promise<AffinityRow[]> {
  const { rows } = await db.query<AffinityRow>(
    `SELECT category_id, score, support FROM model_affinity WHERE model_id = $1 AND subject = $2 ORDER BY score DESC, category_id LIMIT $3`,
    [modelId, subject, limit],
    'recs_affinity',
  );
  return rows;
}

/**
 * Popularity before any model exists (a brand-new store): products by how many signals they had
 * since `since`, all kinds counted alike. Bounded by `limit`; the caller caches it.
 */
export async function signalPopularity(db: Queryable, since: Date, limit: number): Promise<PopularityRow[]> {
  const { rows } = await db.query<{ product_id: string; support: number }>(
    `SELECT product_id, count(*)::int AS support FROM signals WHERE occurred_at >= $1
     GROUP BY product_id ORDER BY count(*) DESC, product_id LIMIT $2`,
    [since, limit],
    'recs_signal_popularity',
  );
  const top = rows[0]?.support ?? 1;
  return rows.map((r) => ({ product_id: r.product_id, category_id: '', score: r.support / top, support: r.support }));
}
