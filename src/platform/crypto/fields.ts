import crypto from 'node:crypto';
import type { Environment, Queryable } from '../db/database.js';

/**
 * Field-level encryption: AES-256-GCM with a keyring, for values such as a seller's bank account
 * that must never sit in the database (or a backup, or a log) in clear.
 *
 * A sealed value is one compact string, `tf1.<key id>.<nonce>.<ciphertext>.<tag>` (base64url
 * parts), so it names the key that sealed it: keys rotate by making a new key active while the old
 * ones stay in the ring to open what they sealed. The caller's AAD (additional authenticated data,
 * e.g. `test/sellers/sel_1/payout_details`) binds the value to its row and field: a ciphertext
 * copied to another row, or another column, does not open. The version and key id are
 * authenticated too.
 */

const VERSION = 'tf1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The keys values are sealed with: `activeKeyId` seals, every key in `keys` opens. */
export interface FieldKeyring {
  activeKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/** Why a sealed value does not open: not one of ours, sealed by a key not in the ring, or altered (or other AAD). */
export class FieldCryptoError extends Error {
  constructor(
    readonly reason: 'malformed' | 'unknown_key' | 'tampered',
    message: string,
  ) {
    super(message);
    this.name = 'FieldCryptoError';
  }
}

function checkKeyring(ring: FieldKeyring): void {
  if (!ring.keys.has(ring.activeKeyId)) throw new Error(`field keyring: the active key "${ring.activeKeyId}" is not in the ring`);
  for (const [id, key] of ring.keys) {
    if (!KEY_ID.test(id)) throw new Error(`field keyring: key id "${id}" must be 1–32 letters, digits, "_" or "-"`);
    if (key.length !== 32) throw new Error(`field keyring: key "${id}" must be 32 bytes, got ${key.length}`);
  }
}

/**
 * Parses `TESSERA_FIELD_KEYS`: comma-separated `<id>:<base64 of 32 bytes>`, the first one active.
 * Throws an Error saying what is wrong (never echoing key material).
 * @example parseFieldKeys('k2:…base64…,k1:…base64…') // { activeKeyId: 'k2', keys: Map { k2, k1 } }
 */
export function parseFieldKeys(raw: string): FieldKeyring {
  const keys = new Map<string, Buffer>();
  const parts = raw.split(',').map((p) => p.trim()).filter(Boolean);
  for (const [i, part] of parts.entries()) {
    const colon = part.indexOf(':');
    const id = colon > 0 ? part.slice(0, colon) : '';
    const material = colon > 0 ? part.slice(colon + 1) : '';
    if (!KEY_ID.test(id)) throw new Error(`entry ${i + 1} must look like "<id>:<base64 of 32 bytes>" with an id of letters, digits, "_" or "-"`);
    if (keys.has(id)) throw new Error(`key id "${id}" appears twice`);
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(material)) throw new Error(`key "${id}" must be the base64 of exactly 32 bytes`);
    keys.set(id, key);
  }
  const first = [...keys.keys()][0];
  if (first === undefined) throw new Error('no keys given');
  return { activeKeyId: first, keys };
}

/** A new keyring of one random key. */
export function generateKeyring(id: string): FieldKeyring {
  return { activeKeyId: id, keys: new Map([[id, crypto.randomBytes(32)]]) };
}

/** Seals and opens field values with one keyring. */
export class FieldCipher {
  constructor(private readonly ring: FieldKeyring) {
    checkKeyring(ring);
  }

  /** The id of the key new values are sealed with. */
  get activeKeyId(): string {
    return this.ring.activeKeyId;
  }

  /**
   * Encrypts `plaintext` with the active key, bound to `aad`.
   * @example const sealed = cipher.seal(JSON.stringify(details), `test/sellers/${id}/payout_details`);
   */
  seal(plaintext: string, aad: string): string {
    const keyId = this.ring.activeKeyId;
    const nonce = crypto.randomBytes(NONCE_BYTES);
    const c = crypto.createCipheriv('aes-256-gcm', this.ring.keys.get(keyId)!, nonce, { authTagLength: TAG_BYTES });
    c.setAAD(Buffer.from(`${VERSION}.${keyId}.${aad}`, 'utf8'));
    const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return [VERSION, keyId, nonce.toString('base64url'), body.toString('base64url'), c.getAuthTag().toString('base64url')].join('.');
  }

  /** Decrypts a value from `seal` with the key it names; throws FieldCryptoError when it cannot. */
  open(sealed: string, aad: string): string {
    const { keyId, nonce, body, tag } = parseSealed(sealed);
    const key = this.ring.keys.get(keyId);
    if (!key) throw new FieldCryptoError('unknown_key', `The value was sealed with key "${keyId}", which is not in the keyring.`);
    const d = crypto.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    d.setAAD(Buffer.from(`${VERSION}.${keyId}.${aad}`, 'utf8'));
    d.setAuthTag(tag);
    try {
      return Buffer.concat([d.update(body), d.final()]).toString('utf8');
    } catch {
      throw new FieldCryptoError('tampered', 'The value does not authenticate: it was altered, or belongs to another record or field.');
    }
  }
}

/** The id of the key that sealed `sealed` (for the `*_key_id` column beside it, and re-sealing after rotation). */
export function sealedKeyId(sealed: string): string {
  return parseSealed(sealed).keyId;
}

function parseSealed(sealed: string): { keyId: string; nonce: Buffer; body: Buffer; tag: Buffer } {
  const parts = sealed.split('.');
  const [version, keyId, nonce, body, tag] = parts;
  const b64 = /^[A-Za-z0-9_-]*$/;
  if (parts.length !== 5 || version !== VERSION || !keyId || !KEY_ID.test(keyId) || !nonce || !tag || body === undefined || ![nonce, body, tag].every((p) => b64.test(p))) {
    throw new FieldCryptoError('malformed', 'Not a sealed field value.');
  }
  const out = { keyId, nonce: Buffer.from(nonce, 'base64url'), body: Buffer.from(body, 'base64url'), tag: Buffer.from(tag, 'base64url') };
  if (out.nonce.length !== NONCE_BYTES || out.tag.length !== TAG_BYTES) throw new FieldCryptoError('malformed', 'Not a sealed field value.');
  return out;
}

/** The key id of development keyrings, so their ciphertexts are recognisable as such. */
export const DEV_KEY_ID = 'dev-unsafe';
const DEV_STATE_KEY = 'field_keys_dev';

/**
 * The DEVELOPMENT keyring of one environment's schema: one random key generated on first use and
 * kept in its `platform_state` table, beside the data it protects. It protects against nothing
 * (whoever reads the database reads the key); it only lets a development or test installation
 * without `TESSERA_FIELD_KEYS` work with real ciphertexts. Production refuses to start without
 * `TESSERA_FIELD_KEYS` (config.ts). Values sealed with it (key id `dev-unsafe`) do not open once
 * real keys are configured.
 */
export async function devKeyring(db: Queryable): Promise<FieldKeyring> {
  const fresh = crypto.randomBytes(32).toString('base64');
  await db.query(`INSERT INTO platform_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [DEV_STATE_KEY, JSON.stringify({ id: DEV_KEY_ID, key: fresh, note: 'development only: never protects live data' })]);
  const { rows } = await db.query<{ value: { id: string; key: string } }>('SELECT value FROM platform_state WHERE key = $1', [DEV_STATE_KEY]);
  const stored = rows[0]?.value;
  if (!stored) throw new Error('field keyring: the development key could not be stored');
  return { activeKeyId: stored.id, keys: new Map([[stored.id, Buffer.from(stored.key, 'base64')]]) };
}

/**
 * The cipher of each environment: the configured keyring, or else each schema's development keyring
 * (loaded once, on first use).
 * @example const cipher = await ciphers('test'); cipher.seal(value, aad);
 */
export function fieldCiphers(configured: FieldKeyring | undefined, dbFor: (env: Environment) => Queryable, onDevKeyring?: (env: Environment) => void): (env: Environment) => Promise<FieldCipher> {
  if (configured) {
    const cipher = Promise.resolve(new FieldCipher(configured));
    return () => cipher;
  }
  const byEnv = new Map<Environment, Promise<FieldCipher>>();
  return (env) => {
    let cipher = byEnv.get(env);
    if (!cipher) {
      cipher = devKeyring(dbFor(env)).then((ring) => {
        onDevKeyring?.(env);
        return new FieldCipher(ring);
      });
      cipher.catch(() => byEnv.delete(env));
      byEnv.set(env, cipher);
    }
    return cipher;
  };
}
