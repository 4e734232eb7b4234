import crypto from 'node:crypto';

/** Makes a new prefixed, sortable id such as `prod_01JD…`. Injected through ctx so tests can fix it. */
export type IdGenerator = (prefix: string) => string;

/**
 * ULID-based ids: 48 bits of milliseconds then 80 random bits, Crockford base32, monotonic within a
 * millisecond. Sorting ids sorts by creation time, which is what cursor pagination relies on.
 */
export function ulidIds(): IdGenerator {
  const next = monotonicUlid();
  return (prefix) => `${prefix}_${next()}`;
}

/** Deterministic ids for tests: `prod_000…001`, `prod_000…002`, … in creation order. */
export function sequentialIds(): IdGenerator {
  let n = 0;
  return (prefix) => `${prefix}_${String(++n).padStart(26, '0')}`;
}

const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** Random bytes from a pooled buffer: one `randomFillSync` per 4 KiB instead of one per call. */
function pooledRandom(n: number): Buffer {
  if (poolOffset + n > pool.length) {
    crypto.randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
}

/** `n` random bytes as hex, for trace and span ids on the request path. */
export function randomHex(n: number): string {
  return pooledRandom(n).toString('hex');
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A ULID-shaped id (26 lower-case Crockford base32 characters: 48-bit time, 80 random bits) made
 * cheaply for every request. Not monotonic within a millisecond, which request ids do not need.
 */
export function fastUlid(now = Date.now()): string {
  const time = encodeTime(now);
  const r = pooledRandom(16);
  let rand = '';
  for (let i = 0; i < 16; i++) rand += CROCKFORD[r[i]! & 31]!;
  return time + rand;
}

const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

function encodeTime(now: number): string {
  let t = now;
  let time = '';
  for (let i = 0; i < TIME_CHARS; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  return time;
}

/**
 * A monotonic ULID factory (lower-case Crockford base32): within one millisecond, or when the
 * clock steps back, the random part of the previous id is incremented, so ids made by one
 * process always sort in the order they were made (cursor pagination relies on it). Random
 * bits come from the pooled buffer: one `randomFillSync` per 4 KiB, not one call per character.
 * @example const next = monotonicUlid(); next() < next(); // true
 */
export function monotonicUlid(clock: () => number = Date.now): () => string {
  let lastTime = -1;
  let lastTimeChars = '';
  const random = new Uint8Array(RANDOM_CHARS); // base32 digits, most significant first
  return () => {
    const now = clock();
    if (now > lastTime) {
      lastTime = now;
      lastTimeChars = encodeTime(now);
      const bytes = pooledRandom(RANDOM_CHARS);
      for (let i = 0; i < RANDOM_CHARS; i++) random[i] = bytes[i]! & 31;
    } else {
      let i = RANDOM_CHARS - 1;
      while (i >= 0 && random[i] === 31) random[i--] = 0;
      if (i < 0) throw new Error('ULID random part overflowed within one millisecond');
      random[i]! += 1;
    }
    let out = lastTimeChars;
    for (let i = 0; i < RANDOM_CHARS; i++) out += CROCKFORD[random[i]!]!;
    return out;
  };
}
