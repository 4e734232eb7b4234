import crypto from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { EnvDb, Queryable } from '../../platform/db/database.js';
import { InvalidationBus } from '../../platform/db/invalidation.js';
import type { FieldCipher } from '../../platform/crypto/fields.js';

export const SIGNING_ALG = 'EdDSA';
const TOPIC = 'oauth_signing_key';
/** Tolerated clock skew between processes: a retired key stays published this much longer. */
const SKEW_SECONDS = 60;

interface KeyRow {
  kid: string;
  alg: string;
  public_jwk: JWK;
  private_sealed: string;
  created_at: Date;
  retired_at: Date | null;
  publish_until: Date | null;
}

interface LoadedKey {
  kid: string;
  jwk: JWK;
  publicKey: CryptoKey;
  /** Only the signing key's private part is opened. */
  privateKey: CryptoKey | null;
  createdAt: Date;
  publishUntil: Date | null;
}

/** When `rotate` makes a new key: always (the operator route), when none signs, or when the signing one is too old. */
type RotateWhen = 'always' | 'none' | 'stale';

const aad = (kid: string) => `live/oauth_signing_keys/${kid}/private_jwk`;

/**
 * Access-token signing keys, shared by every process through the database: the private key is
 * sealed with the field cipher, so `serve` and any number of workers sign with the same key and
 * verify each other's tokens. One key signs at a time; a rotation retires it and keeps it published
 * until the last token it signed has expired. A rotation reaches other processes through the
 * invalidation bus; a token with an unknown `kid` also makes a process reload (at most once a second).
 */
export class SigningKeys {
  private loaded: Promise<LoadedKey[]> | null = null;
  private lastReload = 0;

  constructor(
    private readonly db: EnvDb,
    private readonly cipher: () => Promise<FieldCipher>,
    private readonly bus: InvalidationBus,
    private readonly now: () => Date,
    private readonly tokenTtlSeconds: number,
    /** A signing key older than this is replaced by the next token request (in any process). */
    private readonly maxAgeSeconds: number,
  ) {
    const drop = () => {
      this.loaded = null;
    };
    bus.on(TOPIC, drop, drop);
  }

  private keys(): Promise<LoadedKey[]> {
    if (!this.loaded) {
      const load = this.load();
      this.loaded = load;
      load.catch(() => {
        if (this.loaded === load) this.loaded = null;
      });
    }
    return this.loaded;
  }

  private async load(): Promise<LoadedKey[]> {
    this.lastReload = Date.now();
    const { rows } = await this.db.query<KeyRow>('SELECT kid, alg, public_jwk, private_sealed, created_at, retired_at, publish_until FROM oauth_signing_keys ORDER BY created_at');
    const cipher = rows.some((r) => !r.retired_at) ? await this.cipher() : null;
    return Promise.all(
      rows.map(async (r) => ({
        kid: r.kid,
        jwk: r.public_jwk,
        publicKey: (await importJWK(r.public_jwk, r.alg)) as CryptoKey,
        privateKey: !r.retired_at && cipher ? ((await importJWK(JSON.parse(cipher.open(r.private_sealed, aad(r.kid))) as JWK, r.alg)) as CryptoKey) : null,
        createdAt: r.created_at,
        publishUntil: r.retired_at ? (r.publish_until ?? r.retired_at) : null,
      })),
    );
  }

  /** The key that signs now; the first call of an installation creates it, and a stale one is rotated first. */
  async signing(): Promise<{ kid: string; key: CryptoKey }> {
    let active = (await this.keys()).find((k) => k.privateKey);
    if (!active || this.stale(active.createdAt)) {
      await this.rotate(active ? 'stale' : 'none');
      active = (await this.keys()).find((k) => k.privateKey);
    }
    if (!active?.privateKey) throw new Error('no OAuth signing key could be created');
    return { kid: active.kid, key: active.privateKey };
  }

  /** The public key for `kid` while it is published; reloads once when the kid is unknown here. */
  async verificationKey(kid: string): Promise<CryptoKey | undefined> {
    let key = (await this.keys()).find((k) => k.kid === kid);
    if (!key && Date.now() - this.lastReload > 1000) {
      this.loaded = null;
      key = (await this.keys()).find((k) => k.kid === kid);
    }
    if (!key || (key.publishUntil && key.publishUntil <= this.now())) return undefined;
    return key.publicKey;
  }

  /** The published keys, for `/.well-known/jwks.json`. */
  async published(): Promise<JWK[]> {
    const now = this.now();
    return (await this.keys()).filter((k) => !k.publishUntil || k.publishUntil > now).map((k) => ({ ...k.jwk, kid: k.kid, alg: SIGNING_ALG, use: 'sig' }));
  }

  private stale(createdAt: Date): boolean {
    return createdAt.getTime() + this.maxAgeSeconds * 1000 <= this.now().getTime();
  }

  /**
   * Retires the signing key (kept published for the token lifetime plus skew) and makes a new one.
   * Concurrent callers (several processes at the first start, or when the key goes stale) wait on
   * an advisory lock, and all but the first find the other's fresh key and keep it.
   */
  async rotate(when: RotateWhen = 'always'): Promise<{ kid: string }> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const privateJwk = await exportJWK(privateKey);
    const cipher = await this.cipher();
    const now = this.now();
    const kid = `jwk_${now.getTime().toString(36)}${crypto.randomBytes(4).toString('hex')}`;
    const result = await this.db.transaction(async (tx: Queryable) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('oauth_signing_keys'))`);
      const { rows } = await tx.query<{ kid: string; created_at: Date }>('SELECT kid, created_at FROM oauth_signing_keys WHERE retired_at IS NULL');
      const current = rows[0];
      if (current && (when === 'none' || (when === 'stale' && !this.stale(current.created_at)))) return { kid: current.kid };
      const publishUntil = new Date(now.getTime() + (this.tokenTtlSeconds + SKEW_SECONDS) * 1000);
      await tx.query('UPDATE oauth_signing_keys SET retired_at = $1, publish_until = $2 WHERE retired_at IS NULL', [now, publishUntil]);
      await tx.query('INSERT INTO oauth_signing_keys (kid, alg, public_jwk, private_sealed, created_at) VALUES ($1, $2, $3, $4, $5)', [
        kid,
        SIGNING_ALG,
        JSON.stringify(publicJwk),
        cipher.seal(JSON.stringify(privateJwk), aad(kid)),
        now,
      ]);
      await InvalidationBus.publish(tx, 'live', TOPIC, kid);
      return { kid };
    });
    this.loaded = null;
    return result;
  }
}
