import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.js';
import { FieldCipher, FieldCryptoError, generateKeyring, parseFieldKeys, sealedKeyId } from './fields.js';

const b64 = () => crypto.randomBytes(32).toString('base64');
const AAD = 'test/sellers/sel_1/payout_details';

function failure(fn: () => unknown): FieldCryptoError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FieldCryptoError) return err;
    throw err;
  }
  throw new Error('expected a FieldCryptoError');
}

describe('field encryption', () => {
  it('round-trips, with a fresh nonce each time and the key id in the sealed string', () => {
    const cipher = new FieldCipher(generateKeyring('k1'));
    const a = cipher.seal('DE89370400440532013000', AAD);
    const b = cipher.seal('DE89370400440532013000', AAD);
    expect(a).not.toBe(b);
    expect(a).not.toContain('DE89370400440532013000');
    expect(a).toMatch(/^tf1\.k1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealedKeyId(a)).toBe('k1');
    expect(cipher.open(a, AAD)).toBe('DE89370400440532013000');
    expect(cipher.open(cipher.seal('', AAD), AAD)).toBe('');
    expect(cipher.open(cipher.seal('ünïcødé ✓', AAD), AAD)).toBe('ünïcødé ✓');
  });

  it('detects any change to the nonce, ciphertext, tag or key id', () => {
    const ring = parseFieldKeys(`k1:${b64()},k0:${b64()}`);
    const cipher = new FieldCipher(ring);
    const sealed = cipher.seal('secret account', AAD);
    const parts = sealed.split('.');
    const flip = (s: string) => {
      const buf = Buffer.from(s, 'base64url');
      buf[0] = buf[0]! ^ 1;
      return buf.toString('base64url');
    };
    for (const i of [2, 3, 4]) {
      const altered = parts.map((p, j) => (j === i ? flip(p) : p)).join('.');
      expect(failure(() => cipher.open(altered, AAD)).reason).toBe('tampered');
    }
    // naming another key of the ring does not help either
    expect(failure(() => cipher.open(['tf1', 'k0', ...parts.slice(2)].join('.'), AAD)).reason).toBe('tampered');
    for (const junk of ['', 'plain text', 'tf1.k1.x.y', 'tf2.k1.a.b.c', `${sealed}.x`]) expect(failure(() => cipher.open(junk, AAD)).reason).toBe('malformed');
  });

  it('refuses a value opened with another AAD: a ciphertext copied to another row or field', () => {
    const cipher = new FieldCipher(generateKeyring('k1'));
    const sealed = cipher.seal('secret account', AAD);
    expect(failure(() => cipher.open(sealed, 'test/sellers/sel_2/payout_details')).reason).toBe('tampered');
    expect(failure(() => cipher.open(sealed, 'test/sellers/sel_1/other_field')).reason).toBe('tampered');
    expect(failure(() => cipher.open(sealed, 'live/sellers/sel_1/payout_details')).reason).toBe('tampered');
  });

  it('rotates: values sealed with k1 still open once k2 is active, and new values use k2', () => {
    const k1 = b64();
    const before = new FieldCipher(parseFieldKeys(`k1:${k1}`));
    const old = before.seal('old value', AAD);
    const after = new FieldCipher(parseFieldKeys(`k2:${b64()},k1:${k1}`));
    expect(after.activeKeyId).toBe('k2');
    expect(after.open(old, AAD)).toBe('old value');
    const fresh = after.seal('new value', AAD);
    expect(sealedKeyId(fresh)).toBe('k2');
    // the old ring cannot open what the new key sealed: it names a key it does not have
    expect(failure(() => before.open(fresh, AAD)).reason).toBe('unknown_key');
  });

  it('says which key is missing when a value was sealed with a key no longer in the ring', () => {
    const sealed = new FieldCipher(generateKeyring('gone')).seal('x', AAD);
    const err = failure(() => new FieldCipher(generateKeyring('k1')).open(sealed, AAD));
    expect(err.reason).toBe('unknown_key');
    expect(err.message).toContain('"gone"');
  });

  it('parses TESSERA_FIELD_KEYS strictly, and production refuses to start without it', () => {
    expect(() => parseFieldKeys('')).toThrow(/no keys/);
    expect(() => parseFieldKeys(`k1:${crypto.randomBytes(16).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => parseFieldKeys(`k1:${b64()},k1:${b64()}`)).toThrow(/twice/);
    expect(() => parseFieldKeys(`bad id:${b64()}`)).toThrow(/entry 1/);
    expect(() => new FieldCipher({ activeKeyId: 'x', keys: new Map() })).toThrow(/not in the ring/);

    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/TESSERA_FIELD_KEYS is required/);
    const material = b64();
    expect(() => loadConfig({ TESSERA_FIELD_KEYS: 'k1:short' })).toThrow(/TESSERA_FIELD_KEYS: key "k1"/);
    const config = loadConfig({ NODE_ENV: 'production', TESSERA_FIELD_KEYS: `k2:${material},k1:${b64()}` });
    expect(config.fieldKeys?.activeKeyId).toBe('k2');
    expect(config.fieldKeys?.keys.get('k2')?.equals(Buffer.from(material, 'base64'))).toBe(true);
    // key material never appears in the error messages
    try {
      loadConfig({ TESSERA_FIELD_KEYS: `k1:${material},k1:${material}` });
    } catch (err) {
      expect((err as Error).message).not.toContain(material);
    }
    expect(loadConfig({}).fieldKeys).toBeUndefined();
  });
});
