import { createHash } from 'node:crypto';

/**
 * A subject's point in [0, 1) for `key`: the first 4 bytes of SHA-256(key, NUL, subject) as an
 * unsigned 32-bit integer over 2^32. Deterministic across processes and releases; independent
 * between keys, so two flags or experiments split the same subjects differently.
 * @example unitHash('new-checkout', 'cus_1') // always the same number, 0 <= n < 1
 */
export function unitHash(key: string, subject: string): number {
  return createHash('sha256').update(`${key}\u0000${subject}`).digest().readUInt32BE(0) / 2 ** 32;
}

export interface Weighted {
  key: string;
  weight: number;
}

/**
 * The variant a subject falls in for experiment `experimentKey`: its `unitHash` point laid over the
 * variants' weights in order (weights need not sum to 100, only to more than 0; a 0 weight gets
 * nobody). Null when no weight is positive.
 * @example bucket('recs-v2', 'cus_1', [{ key: 'control', weight: 50 }, { key: 'treatment', weight: 50 }]) // 'control' or 'treatment', always the same
 */
export function bucket<V extends Weighted>(experimentKey: string, subject: string, variants: readonly V[]): V | null {
  const total = variants.reduce((sum, v) => sum + Math.max(0, v.weight), 0);
  if (!(total > 0)) return null;
  const point = unitHash(experimentKey, subject) * total;
  let edge = 0;
  for (const v of variants) {
    if (v.weight <= 0) continue;
    edge += v.weight;
    if (point < edge) return v;
  }
  // floating-point edge: the point is below total by construction, so only rounding lands here
  return [...variants].reverse().find((v) => v.weight > 0) ?? null;
}
