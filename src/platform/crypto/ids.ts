import { monotonicFactory } from 'ulidx';

/** Makes a new prefixed, sortable id such as `prod_01JD…`. Injected through ctx so tests can fix it. */
export type IdGenerator = (prefix: string) => string;

/**
 * ULID-based ids: 48 bits of milliseconds then 80 random bits, Crockford base32, monotonic within a
 * millisecond. Sorting ids sorts by creation time, which is what cursor pagination relies on.
 */
export function ulidIds(): IdGenerator {
  const next = monotonicFactory();
  return (prefix) => `${prefix}_${next().toLowerCase()}`;
}

/** Deterministic ids for tests: `prod_000…001`, `prod_000…002`, … in creation order. */
export function sequentialIds(): IdGenerator {
  let n = 0;
  return (prefix) => `${prefix}_${String(++n).padStart(26, '0')}`;
}
