import { describe, expect, it } from 'vitest';
import { checksum, checksumValid, generateKey, hashKey, parseKey } from './keys.js';

describe('API keys', () => {
  it('have the type and environment prefix and a valid checksum suffix', () => {
    const key = generateKey('secret', 'test');
    expect(key).toMatch(/^sk_test_[A-Za-z0-9]{36}$/);
    expect(parseKey(key)).toEqual({ type: 'secret', env: 'test' });
    expect(checksumValid(key)).toBe(true);
    expect(parseKey(generateKey('publishable', 'live'))).toMatchObject({ type: 'publishable', env: 'live' });
    expect(parseKey(generateKey('restricted', 'test'))).toMatchObject({ type: 'restricted', env: 'test' });
  });

  it('a changed character breaks the checksum, so a scanner can tell a typo from a key', () => {
    const key = generateKey('secret', 'live');
    const body = key.slice(0, -6);
    const flipped = body.slice(0, -1) + (body.endsWith('a') ? 'b' : 'a') + key.slice(-6);
    expect(checksumValid(flipped)).toBe(false);
    expect(checksum(body)).toBe(key.slice(-6));
  });

  it('rejects foreign tokens and hashes deterministically', () => {
    expect(parseKey('ghp_abcdefabcdefabcdefabcdef')).toBeNull();
    expect(parseKey('sk_prod_abcdefabcdefabcdef')).toBeNull();
    expect(hashKey('sk_test_x')).toBe(hashKey('sk_test_x'));
    expect(hashKey('sk_test_x')).not.toBe(hashKey('sk_test_y'));
  });
});
