import { LRUCache } from 'lru-cache';
import { isSandbox, type Database, type Environment, type Mode } from '../../platform/db/database.js';
import { InvalidationBus } from '../../platform/db/invalidation.js';
import type { IdGenerator } from '../../platform/crypto/ids.js';
import { generateKey, hashKey, parseKey, type KeyType } from '../../platform/crypto/keys.js';
import type { Credential } from '../../platform/http/context.js';
import { AppError, defineErrors } from '../../platform/http/errors.js';
import { toList, type List } from '../../platform/http/pagination.js';
import { LATEST_VERSION } from '../../platform/http/versioning.js';
import * as repo from './keys.repo.js';

export const KeyErrors = defineErrors({
  invalidScopes: { code: 'invalid_scopes', status: 422, title: 'Invalid scopes' },
  keyNotFound: { code: 'api_key_not_found', status: 404, title: 'API key not found' },
  sellerSuspended: { code: 'seller_suspended', status: 403, title: 'Seller suspended' },
  sandboxKeys: { code: 'sandbox_api_keys_unsupported', status: 403, title: 'No API keys in a partner sandbox' },
});

/** The mode whose API keys `env` manages; a partner sandbox has none (its partner's OAuth clients stand in for keys). */
export function keyMode(env: Environment): Mode {
  if (isSandbox(env)) throw new AppError(KeyErrors.sandboxKeys, 'API keys belong to live and test mode. A partner sandbox is reached with the partner\'s OAuth clients.');
  return env;
}

/**
 * What authentication needs of the marketplace (filled in composition.ts): the status of a seller,
 * or undefined when there is no such seller. Seller keys work while their seller is `pending` or
 * `active`; a `suspended` seller's keys are refused, and a missing seller's keys are invalid.
 */
export type SellerStatusLookup = (env: Environment, sellerId: string) => Promise<string | undefined>;

/** A seller key whose seller is suspended: cached like a credential, answered with 403. */
interface RefusedSellerKey {
  suspendedSeller: string;
}
type Resolved = Credential | false | RefusedSellerKey;
/** A cached answer, and when the key stops working (a rolled key's expiry), in ms since the epoch. */
interface Entry {
  resolved: Resolved;
  expiresAt: number | null;
}

const working = (e: Entry, now: number) => e.expiresAt === null || e.expiresAt > now;

function suspended(sellerId: string): AppError {
  return new AppError(KeyErrors.sellerSuspended, `Seller ${sellerId} is suspended: its API keys are disabled until an operator reinstates it.`, [], {
    'www-authenticate': 'Bearer realm="tessera", error="invalid_token"',
  });
}

/** The credential a cache entry stands for; throws 403 for a suspended seller's key. */
function credentialOf(entry: Resolved): Credential | null {
  if (entry === false) return null;
  if ('suspendedSeller' in entry) throw suspended(entry.suspendedSeller);
  return entry;
}

/** Prefix and last four characters: `sk_test_…a1b2`. */
function redact(secret: string): string {
  return `${secret.slice(0, secret.indexOf('_', 3) + 1)}…${secret.slice(-4)}`;
}

/** What a publishable key may do: read the published catalog, run a storefront's carts and checkout, and send shopper signals. */
export const PUBLISHABLE_SCOPES = ['catalog:read', 'carts:write', 'checkout:write', 'signals:write'] as const;
const SCOPE = /^(\*|[a-z_]+:(read|write|\*))$/;

export interface ApiKey {
  id: string;
  object: 'api_key';
  type: KeyType;
  environment: Mode;
  name: string | null;
  redacted: string;
  scopes: string[];
  seller_id: string | null;
  /** The API version requests with this key get when they send no Tessera-Version header. */
  api_version: string | null;
  created_at: string;
  revoked_at: string | null;
  expires_at: string | null;
}

export interface CreatedKey extends ApiKey {
  /** The key itself, returned once at creation and never again. */
  secret: string;
}

function present(env: Mode, row: repo.ApiKeyRow): ApiKey {
  return {
    id: row.id,
    object: 'api_key',
    type: row.type,
    environment: env,
    name: row.name,
    redacted: row.redacted,
    scopes: row.scopes,
    seller_id: row.seller_id,
    api_version: row.api_version,
    created_at: row.created_at.toISOString(),
    revoked_at: row.revoked_at ? row.revoked_at.toISOString() : null,
    expires_at: row.expires_at ? row.expires_at.toISOString() : null,
  };
}

function scopesFor(type: KeyType, requested: readonly string[] | undefined): string[] {
  if (type === 'publishable') {
    if (requested?.length) throw new AppError(KeyErrors.invalidScopes, 'Publishable keys have fixed scopes; do not send scopes.', [{ detail: 'Not allowed for publishable keys.', pointer: '/scopes' }]);
    return [...PUBLISHABLE_SCOPES];
  }
  const scopes = requested?.length ? [...new Set(requested)] : type === 'secret' ? ['*'] : [];
  const bad = scopes.filter((s) => !SCOPE.test(s) || (type === 'restricted' && s === '*'));
  if (type === 'restricted' && scopes.length === 0) bad.push('(none)');
  if (bad.length) {
    throw new AppError(KeyErrors.invalidScopes, `Invalid scopes: ${bad.join(', ')}. Use "resource:read", "resource:write" or "resource:*"${type === 'secret' ? ', or "*"' : ''}.`, [
      { detail: 'Invalid scope list.', pointer: '/scopes' },
    ]);
  }
  return scopes;
}

/**
 * API keys: creation (shown once, stored as a hash), listing, revocation, and authentication of
 * presented keys. Authentication is cached in-process (positive and negative answers); a revocation
 * reaches every process's cache through the invalidation bus when it commits.
 */
export class KeysService {
  private readonly cache: LRUCache<string, Entry>;
  /**
   * Answers by the presented token itself, skipping the parse and the hash on repeat calls. Any key
   * revocation clears it whole (revocations are rare; the hash-keyed cache is dropped precisely).
   */
  private readonly byToken: LRUCache<string, Entry>;
  /** Counts invalidations: a lookup that raced one is not cached (it may predate the revocation). */
  private generation = 0;

  private readonly sellerStatus: SellerStatusLookup | undefined;
  private readonly now: () => Date;

  /** Without `sellerStatus`, seller keys are refused (fail closed). */
  constructor(
    private readonly db: Database,
    private readonly bus: InvalidationBus,
    options: { cacheSize?: number; sellerStatus?: SellerStatusLookup; now?: () => Date } = {},
  ) {
    const cacheSize = options.cacheSize ?? 10_000;
    this.sellerStatus = options.sellerStatus;
    this.now = options.now ?? (() => new Date());
    this.cache = new LRUCache({ max: cacheSize, ttl: 60_000 });
    this.byToken = new LRUCache({ max: cacheSize, ttl: 60_000 });
    bus.on(
      'api_key',
      (_env, hash) => {
        this.generation++;
        this.cache.delete(hash);
        this.byToken.clear();
      },
      () => {
        this.generation++;
        this.cache.clear();
        this.byToken.clear();
      },
    );
    // a seller's status changed (suspended, reinstated): its keys' cached answers are stale
    const dropAll = () => {
      this.generation++;
      this.cache.clear();
      this.byToken.clear();
    };
    bus.on('seller', dropAll, dropAll);
  }

  /** Resolves a presented token to its credential, or null. The token's prefix selects the environment. */
  async authenticate(token: string): Promise<Credential | null> {
    const now = this.now().getTime();
    const known = this.byToken.get(token);
    if (known !== undefined && working(known, now)) return credentialOf(known.resolved);
    const seen = this.generation;
    const entry = await this.lookup(token, now);
    if (this.generation === seen) this.byToken.set(token, entry);
    return working(entry, now) ? credentialOf(entry.resolved) : null;
  }

  private async lookup(token: string, now: number): Promise<Entry> {
    const parsed = parseKey(token);
    if (!parsed) return { resolved: false, expiresAt: null };
    const hash = hashKey(token);
    const cached = this.cache.get(hash);
    if (cached !== undefined && working(cached, now)) return cached;
    const seen = this.generation;
    const row = await repo.findActiveByHash(this.db.forEnv(parsed.env), hash);
    let resolved: Resolved =
      row && row.type === parsed.type ? { id: row.id, type: row.type, env: parsed.env, scopes: row.scopes, sellerId: row.seller_id, apiVersion: row.api_version } : false;
    if (resolved && resolved.sellerId) {
      const status = this.sellerStatus ? await this.sellerStatus(parsed.env, resolved.sellerId) : undefined;
      if (status === 'suspended') resolved = { suspendedSeller: resolved.sellerId };
      else if (status !== 'pending' && status !== 'active') resolved = false;
    }
    const entry: Entry = { resolved, expiresAt: row?.expires_at ? row.expires_at.getTime() : null };
    if (this.generation === seen) this.cache.set(hash, entry);
    return entry;
  }

  async create(env: Mode, ids: IdGenerator, input: { type: KeyType; scopes?: readonly string[]; name?: string | null; seller_id?: string | null; api_version?: string }): Promise<CreatedKey> {
    const secret = generateKey(input.type, env);
    return this.store(env, ids, secret, input);
  }

  /**
   * Creates a seller key: a restricted key bound to `sellerId`. Only the marketplace's operator route
   * (`POST /v1/sellers/:id/keys`) calls this; `POST /v1/api_keys` cannot set a seller.
   */
  async createSellerKey(env: Environment, ids: IdGenerator, input: { sellerId: string; name: string | null; scopes: readonly string[] }): Promise<CreatedKey> {
    return this.create(keyMode(env), ids, { type: 'restricted', scopes: input.scopes, name: input.name, seller_id: input.sellerId });
  }

  /** Registers a key of the caller's choosing (TESSERA_ADMIN_KEY); a no-op when it exists. */
  async ensure(env: Mode, ids: IdGenerator, secret: string, input: { type: KeyType; scopes?: readonly string[]; name?: string }): Promise<ApiKey> {
    return this.store(env, ids, secret, input);
  }

  private async store(env: Mode, ids: IdGenerator, secret: string, input: { type: KeyType; scopes?: readonly string[]; name?: string | null; seller_id?: string | null; api_version?: string }): Promise<CreatedKey> {
    const scopes = scopesFor(input.type, input.scopes);
    const hash = hashKey(secret);
    const row = await repo.insertKey(this.db.forEnv(env), {
      id: ids('key'),
      type: input.type,
      name: input.name ?? null,
      key_hash: hash,
      redacted: redact(secret),
      scopes,
      seller_id: input.seller_id ?? null,
      api_version: input.api_version ?? LATEST_VERSION, // pinned at creation: later versions never change what it gets
    });
    this.cache.delete(hash);
    this.byToken.delete(secret);
    return { ...present(env, row), secret };
  }

  async list(env: Mode, after: string | undefined, limit: number): Promise<List<ApiKey>> {
    const rows = await repo.pageKeys(this.db.forEnv(env), after, limit + 1);
    return toList(rows.map((r) => present(env, r)), limit, (k) => k.id);
  }

  async hasSecretKey(env: Mode): Promise<boolean> {
    return (await repo.countActiveSecretKeys(this.db.forEnv(env))) > 0;
  }

  /** Pins a key to another API version (an upgrade, or back while migrating); its next request uses it. */
  async setVersion(env: Mode, id: string, version: string): Promise<ApiKey> {
    const updated = await this.db.forEnv(env).transaction(async (tx) => {
      const r = await repo.setKeyVersion(tx, id, version);
      if (r) await InvalidationBus.publish(tx, env, 'api_key', r.key_hash);
      return r;
    });
    if (!updated) throw new AppError(KeyErrors.keyNotFound, `No active API key ${id} in ${env} mode.`);
    this.bus.deliver(env, 'api_key', updated.key_hash);
    return present(env, updated.row);
  }

  /**
   * Rolls a key: a new key with the same type, scopes, name, seller and pinned version, shown once;
   * the old one stops at once (`overlapSeconds` 0) or keeps working until then, so a deployment can
   * switch with no gap. In every process: the old key's cached answers are dropped on commit.
   */
  async roll(env: Mode, ids: IdGenerator, id: string, overlapSeconds: number): Promise<{ object: 'api_key_roll'; key: CreatedKey; previous: ApiKey }> {
    const now = this.now();
    const done = await this.db.forEnv(env).transaction(async (tx) => {
      const old = await repo.lockWorkingKey(tx, id, now);
      if (!old) return undefined;
      const secret = generateKey(old.type, env);
      const made = await repo.insertKey(tx, { id: ids('key'), type: old.type, name: old.name, key_hash: hashKey(secret), redacted: redact(secret), scopes: old.scopes, seller_id: old.seller_id, api_version: old.api_version });
      const previous = await repo.endRolledKey(tx, id, now, overlapSeconds > 0 ? new Date(now.getTime() + overlapSeconds * 1000) : null);
      await InvalidationBus.publish(tx, env, 'api_key', old.key_hash);
      return { key: { ...present(env, made), secret }, previous: present(env, previous), hash: old.key_hash };
    });
    if (!done) throw new AppError(KeyErrors.keyNotFound, `No working API key ${id} in ${env} mode.`);
    this.bus.deliver(env, 'api_key', done.hash);
    return { object: 'api_key_roll', key: done.key, previous: done.previous };
  }

  async revoke(env: Mode, id: string): Promise<ApiKey> {
    const revoked = await this.db.forEnv(env).transaction(async (tx) => {
      const r = await repo.revokeKey(tx, id);
      if (r) await InvalidationBus.publish(tx, env, 'api_key', r.key_hash);
      return r;
    });
    if (!revoked) throw new AppError(KeyErrors.keyNotFound, `No active API key ${id} in ${env} mode.`);
    this.bus.deliver(env, 'api_key', revoked.key_hash);
    return present(env, revoked.row);
  }
}
