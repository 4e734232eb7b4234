import type { Queryable } from '../../platform/db/database.js';
import type { SignalType } from './signals.schemas.js';

export const EVAL_K = 10;

/** What a model's offline evaluation stores in `metrics`. */
export interface ModelMetrics {
  k: number;
  /** Purchases at or after it were held out; the model evaluated was built from the signals before it. */
  cutoff: string | null;
  precision_at_10: number;
  recall_at_10: number;
  popularity_precision_at_10: number;
  popularity_recall_at_10: number;
  /** Held-out (shopper, product) purchases of shoppers with a history before the cutoff. */
  holdout_purchases: number;
  /** Shoppers evaluated: held-out purchasers with a history before the cutoff. */
  holdout_subjects: number;
}

export interface HistoryItem {
  product_id: string;
  type: SignalType;
}

/** What a shopper's history item contributes, by type: a purchase speaks loudest. */
const HISTORY_WEIGHT: Record<SignalType, number> = { view: 1, add_to_cart: 2, purchase: 3 };
/** How much each kind of neighbour counts. */
const KIND_WEIGHT = { bought_together: 1, viewed_together: 0.5 } as const;

export interface Neighbor {
  product_id: string;
  neighbor_id: string;
  kind: keyof typeof KIND_WEIGHT;
  score: number;
}

/**
 * The model's top `k` for a shopper: products neighbouring its history, scored by
 * Σ history weight × kind weight × neighbour score, then popularity to fill; never what it bought.
 * @example rankForSubject([{ product_id: 'a', type: 'purchase' }], byProduct, ['p1', 'p2'], 10)
 */
export function rankForSubject(history: readonly HistoryItem[], neighbors: ReadonlyMap<string, readonly Neighbor[]>, popular: readonly string[], k = EVAL_K): string[] {
  const bought = new Set(history.filter((h) => h.type === 'purchase').map((h) => h.product_id));
  const scores = new Map<string, number>();
  for (const h of history) {
    for (const n of neighbors.get(h.product_id) ?? []) {
      if (bought.has(n.neighbor_id)) continue;
      scores.set(n.neighbor_id, (scores.get(n.neighbor_id) ?? 0) + HISTORY_WEIGHT[h.type] * KIND_WEIGHT[n.kind] * n.score);
    }
  }
  const ranked = [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
  return fill(ranked.slice(0, k), popular, bought, k);
}

/** The popularity baseline: the most popular products the shopper has not bought. */
export function rankByPopularity(history: readonly HistoryItem[], popular: readonly string[], k = EVAL_K): string[] {
  return fill([], popular, new Set(history.filter((h) => h.type === 'purchase').map((h) => h.product_id)), k);
}

function fill(list: string[], popular: readonly string[], skip: ReadonlySet<string>, k: number): string[] {
  const out = [...list];
  for (const id of popular) {
    if (out.length >= k) break;
    if (!skip.has(id) && !out.includes(id)) out.push(id);
  }
  return out;
}

/** Precision@k and recall@k averaged over shoppers, each given its recommendations and what it then bought. */
export function precisionRecall(cases: readonly { recommended: readonly string[]; truth: ReadonlySet<string> }[], k = EVAL_K): { precision: number; recall: number } {
  if (cases.length === 0) return { precision: 0, recall: 0 };
  let p = 0;
  let r = 0;
  for (const c of cases) {
    const hits = c.recommended.slice(0, k).filter((id) => c.truth.has(id)).length;
    p += hits / k;
    r += hits / c.truth.size;
  }
  return { precision: round(p / cases.length), recall: round(r / cases.length) };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** The hold-out cutoff: `fraction` of the purchases' time span before their last. Null without a span. */
export async function holdoutCutoff(db: Queryable, since: Date, until: Date, fraction: number): Promise<Date | null> {
  const { rows } = await db.query<{ first: Date | null; last: Date | null }>(
    `SELECT min(occurred_at) AS first, max(occurred_at) AS last FROM signals WHERE type = 'purchase' AND occurred_at >= $1 AND occurred_at < $2`,
    [since, until],
  );
  const first = rows[0]?.first;
  const last = rows[0]?.last;
  if (!first || !last || last.getTime() <= first.getTime()) return null;
  return new Date(last.getTime() - Math.round((last.getTime() - first.getTime()) * fraction));
}

/**
 * Evaluates the snapshot `evalModelId` (built from the signals before `cutoff`) on the purchases
 * from `cutoff` to `until`: for every held-out purchaser with a history, the model's top 10 and
 * popularity's top 10 against the products it then bought and had not bought before.
 */
export async function evaluateSnapshot(tx: Queryable, evalModelId: string, since: Date, cutoff: Date, until: Date): Promise<ModelMetrics> {
  const holdout = await tx.query<{ subject: string; products: string[] }>(
    `SELECT CASE WHEN customer_id IS NOT NULL THEN 'c:' || customer_id ELSE 'a:' || anonymous_id END AS subject, array_agg(DISTINCT product_id ORDER BY product_id) AS products
       FROM signals WHERE type = 'purchase' AND occurred_at >= $1 AND occurred_at < $2 GROUP BY 1 ORDER BY 1`,
    [cutoff, until],
  );
  const subjects = holdout.rows.map((r) => r.subject);
  const history = await tx.query<{ subject: string; product_id: string; type: SignalType }>(
    `SELECT DISTINCT s.subject, s.product_id, s.type FROM (
       SELECT CASE WHEN customer_id IS NOT NULL THEN 'c:' || customer_id ELSE 'a:' || anonymous_id END AS subject, product_id, type
         FROM signals WHERE occurred_at >= $1 AND occurred_at < $2) s
      WHERE s.subject = ANY($3::text[]) ORDER BY 1, 2, 3`,
    [since, cutoff, subjects],
  );
  const histories = new Map<string, HistoryItem[]>();
  for (const h of history.rows) histories.set(h.subject, [...(histories.get(h.subject) ?? []), { product_id: h.product_id, type: h.type }]);
  const neighbors = await tx.query<Neighbor>(
    'SELECT product_id, neighbor_id, kind, score FROM model_neighbors WHERE model_id = $1 AND product_id = ANY($2::text[]) ORDER BY product_id, kind, score DESC, neighbor_id',
    [evalModelId, [...new Set(history.rows.map((h) => h.product_id))]],
  );
  const byProduct = new Map<string, Neighbor[]>();
  for (const n of neighbors.rows) byProduct.set(n.product_id, [...(byProduct.get(n.product_id) ?? []), n]);
  const popular = (
    await tx.query<{ product_id: string }>(`SELECT product_id FROM model_popularity WHERE model_id = $1 AND category_id = '' ORDER BY score DESC, product_id LIMIT 500`, [evalModelId])
  ).rows.map((r) => r.product_id);

  const model: { recommended: string[]; truth: Set<string> }[] = [];
  const baseline: { recommended: string[]; truth: Set<string> }[] = [];
  for (const h of holdout.rows) {
    const past = histories.get(h.subject);
    if (!past) continue;
    const before = new Set(past.filter((x) => x.type === 'purchase').map((x) => x.product_id));
    const truth = new Set(h.products.filter((p) => !before.has(p)));
    if (truth.size === 0) continue;
    model.push({ recommended: rankForSubject(past, byProduct, popular), truth });
    baseline.push({ recommended: rankByPopularity(past, popular), truth });
  }
  const m = precisionRecall(model);
  const b = precisionRecall(baseline);
  return {
    k: EVAL_K,
    cutoff: cutoff.toISOString(),
    precision_at_10: m.precision,
    recall_at_10: m.recall,
    popularity_precision_at_10: b.precision,
    popularity_recall_at_10: b.recall,
    holdout_purchases: model.reduce((n, c) => n + c.truth.size, 0),
    holdout_subjects: model.length,
  };
}
