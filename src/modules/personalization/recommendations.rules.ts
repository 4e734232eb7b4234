import type { AffinityRow, NeighborRow, PopularityRow } from './recommendations.repo.js';

/**
 * Pure ranking of recommendation candidates from model snapshot rows. Every candidate carries the
 * support behind its score (how many subjects or signals) and the rationale it came from.
 */

export type RationaleKind = 'bought_together_with' | 'viewed_together_with' | 'trending_in_category' | 'affinity_category' | 'popular';

export interface Rationale {
  kind: RationaleKind;
  detail: { product_id?: string; category_id?: string; count: number };
}

export interface Candidate {
  product_id: string;
  score: number;
  /** Subjects or signals behind the score: what `confidence` is computed from. */
  support: number;
  rationale: Rationale[];
}

/** The support at which confidence reaches 1 − 1/e ≈ 0.63. */
export const CONFIDENCE_K = 5;
/** A "viewed together" co-occurrence counts half as much as "bought together". */
export const VIEWED_WEIGHT = 0.5;
/** Reasons shown per item, strongest first. */
const MAX_REASONS = 3;

/** confidence = 1 − exp(−support / k), k = 5: 1 subject → 0.18, 5 → 0.63, 15 → 0.95; rounded to 3 places. */
export function confidence(support: number): number {
  return round(1 - Math.exp(-Math.max(0, support) / CONFIDENCE_K), 3);
}

export function round(n: number, places = 6): number {
  const f = 10 ** places;
  return Math.round(n * f) / f;
}

function byScore(a: Candidate, b: Candidate): number {
  return b.score - a.score || (a.product_id < b.product_id ? -1 : a.product_id > b.product_id ? 1 : 0);
}

function reasons(list: Rationale[]): Rationale[] {
  const rank = (r: Rationale) => (r.kind === 'bought_together_with' || r.kind === 'affinity_category' ? 0 : 1);
  return [...list].sort((a, b) => rank(a) - rank(b) || b.detail.count - a.detail.count).slice(0, MAX_REASONS);
}

/**
 * Neighbours of the source products, one candidate per neighbour: score = Σ bought-together
 * scores + VIEWED_WEIGHT × Σ viewed-together scores over the sources, support = Σ co-occurrence
 * counts. Sorted by score, best first.
 */
export function fromNeighbors(rows: readonly NeighborRow[]): Candidate[] {
  const byId = new Map<string, Candidate>();
  for (const row of rows) {
    const c = byId.get(row.neighbor_id) ?? { product_id: row.neighbor_id, score: 0, support: 0, rationale: [] };
    const bought = row.kind === 'bought_together';
    c.score += (bought ? 1 : VIEWED_WEIGHT) * row.score;
    c.support += row.support;
    c.rationale.push({ kind: bought ? 'bought_together_with' : 'viewed_together_with', detail: { product_id: row.product_id, count: row.support } });
    byId.set(row.neighbor_id, c);
  }
  return [...byId.values()].map((c) => ({ ...c, score: round(c.score), rationale: reasons(c.rationale) })).sort(byScore);
}

/**
 * Popular products: category rows ('' is overall) become `trending_in_category`, overall rows
 * `popular`. A product in several categories keeps its best score. Sorted by score, best first.
 */
export function fromPopularity(rows: readonly PopularityRow[]): Candidate[] {
  const byId = new Map<string, Candidate>();
  for (const row of rows) {
    const c = byId.get(row.product_id) ?? { product_id: row.product_id, score: 0, support: 0, rationale: [] };
    c.score = Math.max(c.score, row.score);
    c.support = Math.max(c.support, row.support);
    c.rationale.push(row.category_id ? { kind: 'trending_in_category', detail: { category_id: row.category_id, count: row.support } } : { kind: 'popular', detail: { count: row.support } });
    byId.set(row.product_id, c);
  }
  return [...byId.values()].map((c) => ({ ...c, score: round(c.score), rationale: reasons(c.rationale) })).sort(byScore);
}

/**
 * Popular products of the subject's favourite categories: score = Σ affinity × popularity over
 * the categories; support = the subject's own signals in those categories (the personal evidence).
 */
export function fromAffinity(affinities: readonly AffinityRow[], popular: readonly PopularityRow[]): Candidate[] {
  const weight = new Map(affinities.map((a) => [a.category_id, a]));
  const byId = new Map<string, Candidate>();
  for (const row of popular) {
    const a = weight.get(row.category_id);
    if (!a) continue;
    const c = byId.get(row.product_id) ?? { product_id: row.product_id, score: 0, support: 0, rationale: [] };
    c.score += a.score * row.score;
    c.support += a.support;
    c.rationale.push({ kind: 'affinity_category', detail: { category_id: a.category_id, count: a.support } });
    c.rationale.push({ kind: 'trending_in_category', detail: { category_id: row.category_id, count: row.support } });
    byId.set(row.product_id, c);
  }
  return [...byId.values()].map((c) => ({ ...c, score: round(c.score), rationale: reasons(c.rationale) })).sort(byScore);
}

/** `primary` then whatever of `fill` it does not hold yet, each list in its own order. */
export function concat(primary: readonly Candidate[], fill: readonly Candidate[]): Candidate[] {
  const seen = new Set(primary.map((c) => c.product_id));
  return [...primary, ...fill.filter((c) => !seen.has(c.product_id))];
}
