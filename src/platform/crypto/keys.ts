import crypto from 'node:crypto';
import zlib from 'node:zlib';

export type KeyType = 'secret' | 'publishable' | 'restricted';
const PREFIX: Record<KeyType, string> = { secret: 'sk', publishable: 'pk', restricted: 'rk' };
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return out;
}

/** The 6-character base62 CRC32 that ends every key, so a secret scanner can recognise one offline. */
export function checksum(body: string): string {
  const crc = zlib.crc32(body);
  let n = crc;
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = BASE62[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/** Makes a new key, for example `sk_test_<30 base62 chars><6-char checksum>`. */
export function generateKey(type: KeyType, env: 'live' | 'test'): string {
  const body = `${PREFIX[type]}_${env}_${base62(crypto.randomBytes(24)).padStart(30, '0').slice(-30)}`;
  return body + checksum(body);
}

/** Parses a presented credential's prefix; null when it is not one of ours. */
export function parseKey(token: string): { type: KeyType; env: 'live' | 'test' } | null {
  const m = /^(sk|pk|rk)_(live|test)_([A-Za-z0-9_]{16,})$/.exec(token);
  if (!m) return null;
  const type: KeyType = m[1] === 'sk' ? 'secret' : m[1] === 'pk' ? 'publishable' : 'restricted';
  return { type, env: m[2] as 'live' | 'test' };
}

/**
 * Whether the last six characters are the checksum of the rest: what a secret scanner checks to
 * tell a real key from a look-alike. Authentication does not need it (it looks the hash up).
 */
export function checksumValid(token: string): boolean {
  return token.length > 6 && checksum(token.slice(0, -6)) === token.slice(-6);
}

/**
 * Keys carry about 178 random bits, so plain SHA-256 resists guessing as well as a slow password hash would, and keeps
 * authentication off the hot path's CPU budget. Only this hash is stored.
 */
export function hashKey(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}
