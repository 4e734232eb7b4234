/**
 * Integer money maths shared by pricing and promotions: largest-remainder allocation and
 * half-up division. Everything is in integer minor units; products go through BigInt, since
 * amount × weight (or × a rate in ppm) can exceed 2^53.
 */

/**
 * Splits `total` into integer parts proportional to `weights`, summing exactly to `total`.
 * Each part first gets ⌊total·wᵢ/W⌋; the units left over go one each to the largest remainders,
 * ties to the lowest index, so the result is deterministic.
 *
 * Cap: when `total <= sum(weights)`, no part exceeds its weight (⌊total·wᵢ/W⌋ ≤ wᵢ, and a part
 * only gets an extra unit when its exact share is not whole, i.e. strictly below wᵢ). When
 * `total` is larger, parts exceed their weights in proportion; callers that need the cap must
 * cap `total` first. When every weight is 0, `total` is split evenly (remainder to the lowest
 * indices); zero weights otherwise get 0.
 *
 * @example allocateLargestRemainder(100, [1, 1, 1]) // [34, 33, 33]
 * @example allocateLargestRemainder(1000, [3000, 2000, 5000]) // [300, 200, 500]
 */
export function allocateLargestRemainder(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`total must be a non-negative integer, got ${total}`);
  for (const w of weights) if (!Number.isSafeInteger(w) || w < 0) throw new RangeError(`weights must be non-negative integers, got ${w}`);
  if (weights.length === 0) {
    if (total !== 0) throw new RangeError('cannot allocate a non-zero total over no weights');
    return [];
  }
  const sum = weights.reduce((a, b) => a + b, 0);
  const effective = sum === 0 ? weights.map(() => 1) : weights;
  const W = BigInt(sum === 0 ? weights.length : sum);
  const T = BigInt(total);
  const parts: number[] = [];
  const remainders: { index: number; rem: bigint }[] = [];
  let allocated = 0;
  effective.forEach((w, index) => {
    const exact = T * BigInt(w);
    const part = Number(exact / W);
    parts.push(part);
    allocated += part;
    remainders.push({ index, rem: exact % W });
  });
  remainders.sort((a, b) => (a.rem === b.rem ? a.index - b.index : a.rem > b.rem ? -1 : 1));
  // The floors leave fewer units than there are parts, so one pass is enough.
  for (let i = 0; i < total - allocated; i++) parts[remainders[i]!.index]! += 1;
  return parts;
}

/**
 * round(numerator / denominator), halves rounded up, for non-negative integers. Exact for any
 * size of operands (BigInt inside).
 * @example divideRoundHalfUp(5, 2) // 3
 */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): number {
  if (numerator < 0n || denominator <= 0n) throw new RangeError('divideRoundHalfUp takes a non-negative numerator and a positive denominator');
  return Number((2n * numerator + denominator) / (2n * denominator));
}

/**
 * `percent` % of `amount`, rounded half up.
 * @example percentOf(1005, 10) // 101 (100.5 rounds up)
 */
export function percentOf(amount: number, percent: number): number {
  return divideRoundHalfUp(BigInt(amount) * BigInt(percent), 100n);
}
