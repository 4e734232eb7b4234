import type { Environment, Queryable } from '../../platform/db/database.js';
import { InvalidationBus } from '../../platform/db/invalidation.js';
import { fieldCiphers, type FieldCipher } from '../../platform/crypto/fields.js';
import type { IdGenerator } from '../../platform/crypto/ids.js';
import { emit, previousAttributes } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { toList, type List } from '../../platform/http/pagination.js';
import type { SellerCommissionOverride } from './commission.js';
import { SellerErrors } from './sellers.errors.js';
import { last4, normalizePayout, type PayoutDetails } from './sellers.payout.js';
import * as repo from './sellers.repo.js';
import type { PayoutDetailsInput, Seller, SellerCommission, SellerCreate, SellerKeyCreate, SellerPatch, SellerStatus } from './sellers.schemas.js';

/**
 * What seller keys may do by default: their own listings (`catalog:write`), their seller orders
 * (`seller_orders:write`), shipments of their lines (`orders:write`), their webhook endpoints, and
 * their payouts. Routes refuse seller keys
 * unless they opt in (`auth.sellers`) and confine them to the seller, so these scopes never reach
 * another seller's data.
 */
export const SELLER_KEY_SCOPES = ['catalog:write', 'seller_orders:write', 'orders:write', 'webhooks:write', 'payouts:read'] as const;

/** A created key as the keys module answers it (its API object, with the secret shown once). */
export type CreatedSellerKey = object & { id: string; secret: string; seller_id: string | null };

/** What the marketplace needs of the keys module (filled in composition.ts). */
export interface SellerKeysPort {
  /** Creates a restricted key with `seller_id` set; the answer holds the secret, once. */
  createSellerKey(env: Environment, ids: IdGenerator, input: { sellerId: string; name: string | null; scopes: readonly string[] }): Promise<CreatedSellerKey>;
}

/** What the marketplace needs of the catalog (filled in composition.ts): a seller's listings follow its standing. */
export interface SellerListingsPort {
  /**
   * Hides every product of the seller from storefronts and sales (`suspended` true), or shows them
   * again (false), in the status change's transaction `tx`; the products keep their own status.
   */
  setSellerSuspended(tx: Queryable, env: Environment, sellerId: string, suspended: boolean): Promise<void>;
}

/** What settlements and seller orders read of a seller. */
export interface SellerTerms {
  status: SellerStatus;
  commission: SellerCommissionOverride;
}

/** The sellers' status transitions, by action. */
const TRANSITIONS = {
  activate: { from: 'pending', to: 'active' },
  suspend: { from: 'active', to: 'suspended' },
  reinstate: { from: 'suspended', to: 'active' },
} as const satisfies Record<string, { from: SellerStatus; to: SellerStatus }>;
export type SellerAction = keyof typeof TRANSITIONS;

export function toOverride(c: SellerCommission): SellerCommissionOverride {
  return {
    ...(c.rate_ppm !== undefined ? { ratePpm: c.rate_ppm } : {}),
    ...(c.category_rates_ppm !== undefined ? { categoryRatesPpm: c.category_rates_ppm } : {}),
    ...(c.fixed_fee_per_order !== undefined ? { fixedFeePerOrder: c.fixed_fee_per_order } : {}),
    ...(c.minimum_fee !== undefined ? { minimumFee: c.minimum_fee } : {}),
  };
}

function fromOverride(o: SellerCommissionOverride): SellerCommission {
  return {
    ...(o.ratePpm !== undefined ? { rate_ppm: o.ratePpm } : {}),
    ...(o.categoryRatesPpm !== undefined ? { category_rates_ppm: { ...o.categoryRatesPpm } } : {}),
    ...(o.fixedFeePerOrder !== undefined ? { fixed_fee_per_order: o.fixedFeePerOrder } : {}),
    ...(o.minimumFee !== undefined ? { minimum_fee: o.minimumFee } : {}),
  };
}

export function presentSeller(r: repo.SellerRow): Seller {
  return {
    id: r.id,
    object: 'seller',
    name: r.name,
    email: r.email,
    status: r.status,
    partner_id: r.partner_id,
    commission: fromOverride(r.commission),
    payout_details: r.payout_method && r.payout_last4 ? { type: r.payout_method, account_holder: r.payout_account_holder ?? '', last4: r.payout_last4 } : null,
    metadata: r.metadata,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

/** The AAD binding a seller's sealed payout details to its environment, row and column. */
const payoutAad = (env: Environment, sellerId: string) => `${env}/sellers/${sellerId}/payout_details`;

const notFound = (id: string) => new AppError(SellerErrors.sellerNotFound, `No seller ${id}.`);

/**
 * Marketplace sellers: CRUD, status transitions, payout details sealed at field level, and seller
 * keys. Every change emits its event in its transaction; a status change also reaches every
 * process's key cache (topic `seller`), so a suspended seller's keys stop at once, and the
 * catalog (through `SellerListingsPort`, in the same transaction) hides or shows its listings.
 */
export class SellersService {
  private readonly ciphers: (env: Environment) => Promise<FieldCipher>;

  constructor(
    private readonly deps: Pick<ModuleDeps, 'db' | 'bus' | 'config' | 'logger'>,
    private readonly keys: SellerKeysPort,
    private readonly listings: SellerListingsPort,
  ) {
    this.ciphers = fieldCiphers(deps.config.fieldKeys, (env) => deps.db.forEnv(env), (env) =>
      deps.logger.warn({ env }, 'TESSERA_FIELD_KEYS is not set: payout details are sealed with a development key kept in the database (never use this in production)'),
    );
  }

  private async sealPayout(env: Environment, sellerId: string, input: PayoutDetailsInput | null, pointer: string): Promise<repo.PayoutColumns> {
    if (input === null) return { payout_ciphertext: null, payout_key_id: null, payout_last4: null, payout_method: null, payout_account_holder: null };
    const details = normalizePayout(input, pointer);
    const cipher = await this.ciphers(env);
    return {
      payout_ciphertext: cipher.seal(JSON.stringify(details), payoutAad(env, sellerId)),
      payout_key_id: cipher.activeKeyId,
      payout_last4: last4(details),
      payout_method: details.type,
      payout_account_holder: details.account_holder,
    };
  }

  /**
   * @param partnerId the developer partner that signed this seller up (partner onboarding, developers module).
   * @param id given when a partner's sandbox is reset: its test seller is made again under the same id.
   */
  async create(ctx: ServiceContext, input: SellerCreate, partnerId: string | null = null, id: string = ctx.ids('sel')): Promise<Seller> {
    const payout = await this.sealPayout(ctx.env, id, input.payout_details ?? null, '/payout_details');
    return ctx.db.transaction(async (tx) => {
      const row = await repo.insertSeller(
        tx,
        { id, name: input.name, email: input.email, status: 'pending', partner_id: partnerId, commission: toOverride(input.commission ?? {}), metadata: input.metadata ?? {}, ...payout },
        ctx.now(),
      );
      // a partner's seller is made once: a retried or concurrent approval gets the same one
      if (!row) return presentSeller((await repo.findPartnerSeller(tx, partnerId!))!);
      const seller = presentSeller(row);
      await emit(tx, ctx, { type: 'seller.created', object: seller });
      return seller;
    });
  }

  async get(ctx: ServiceContext, id: string): Promise<Seller> {
    const row = await repo.findSeller(ctx.db, id);
    if (!row) throw notFound(id);
    return presentSeller(row);
  }

  /** The seller of the calling seller key. */
  async me(ctx: ServiceContext): Promise<Seller> {
    const sellerId = ctx.actor?.sellerId;
    if (!sellerId) throw new AppError(SellerErrors.sellerKeyRequired, 'This route answers for seller keys only; operators use GET /v1/sellers/{id}.');
    return this.get(ctx, sellerId);
  }

  async list(ctx: ServiceContext, q: { limit: number; starting_after?: string; status?: SellerStatus }): Promise<List<Seller>> {
    const rows = await repo.pageSellers(ctx.db, q.starting_after, q.limit + 1, q.status);
    return toList(rows.map(presentSeller), q.limit, (s) => s.id);
  }

  /** Locks the seller, applies `change` and emits `seller.updated` with what changed, in one transaction. */
  private async change(ctx: ServiceContext, id: string, change: (tx: Queryable, before: repo.SellerRow) => Promise<repo.SellerWrite>): Promise<Seller> {
    const { seller, statusChanged } = await ctx.db.transaction(async (tx) => {
      const row = await repo.findSeller(tx, id, true);
      if (!row) throw notFound(id);
      const before = presentSeller(row);
      const updated = await repo.updateSeller(tx, id, await change(tx, row), ctx.now());
      const after = presentSeller(updated!);
      const previous = previousAttributes(before, after);
      if (Object.keys(previous).length) await emit(tx, ctx, { type: 'seller.updated', object: after, previous });
      const statusChanged = before.status !== after.status;
      if (statusChanged) {
        await InvalidationBus.publish(tx, ctx.env, 'seller', id);
        // no product.* events for the listings: this seller.updated is the one announcement
        await this.listings.setSellerSuspended(tx, ctx.env, id, after.status === 'suspended');
      }
      return { seller: after, statusChanged };
    });
    if (statusChanged) this.deps.bus.deliver(ctx.env, 'seller', id);
    return seller;
  }

  async update(ctx: ServiceContext, id: string, patch: SellerPatch): Promise<Seller> {
    const payout = patch.payout_details === undefined ? {} : await this.sealPayout(ctx.env, id, patch.payout_details, '/payout_details');
    return this.change(ctx, id, async () => ({
      name: patch.name,
      email: patch.email,
      metadata: patch.metadata,
      commission: patch.commission && toOverride(patch.commission),
      ...payout,
    }));
  }

  /** `activate` (pending → active), `suspend` (active → suspended), `reinstate` (suspended → active); else 409. */
  async transition(ctx: ServiceContext, id: string, action: SellerAction): Promise<Seller> {
    const { from, to } = TRANSITIONS[action];
    return this.change(ctx, id, async (_tx, row) => {
      if (row.status !== from) throw new AppError(SellerErrors.sellerStatusConflict, `Seller ${id} is ${row.status}; only a ${from} seller can be ${action === 'activate' ? 'activated' : `${action}ed`}.`);
      return { status: to };
    });
  }

  /** Creates a restricted key for the seller (not for a suspended one); the secret is in the answer, once. */
  async createKey(ctx: ServiceContext, id: string, input: SellerKeyCreate): Promise<CreatedSellerKey> {
    const seller = await this.get(ctx, id);
    if (seller.status === 'suspended') throw new AppError(SellerErrors.sellerStatusConflict, `Seller ${id} is suspended; reinstate it before creating keys.`);
    return this.keys.createSellerKey(ctx.env, ctx.ids, { sellerId: id, name: input.name ?? null, scopes: input.scopes ?? SELLER_KEY_SCOPES });
  }

  // ---- for the rest of the marketplace (seller orders, ledger, settlements) and the keys module ----

  /** A seller's status, or undefined when there is none. Read by authentication on a cache miss. */
  async status(env: Environment, id: string): Promise<SellerStatus | undefined> {
    return repo.sellerStatus(this.deps.db.forEnv(env), id);
  }

  /**
   * Whether the seller is suspended, read in the catalog's product write `tx` under a share lock (so
   * a product created for a seller being suspended is hidden too). Unknown sellers are not.
   */
  async isSuspended(tx: Queryable, id: string): Promise<boolean> {
    return (await repo.sellerStatusLocked(tx, id)) === 'suspended';
  }

  /** A seller's status and commission override (commission.ts shape), in `db` (a transaction, say). */
  async terms(db: Queryable, id: string): Promise<SellerTerms | undefined> {
    return (await this.termsOf(db, [id])).get(id);
  }

  /**
   * Status and commission override of many sellers in one read; unknown ids are absent. Feeds
   * `CommissionRules.sellerOverrides`.
   * @example const terms = await sellers.termsOf(tx, ['sel_1', 'sel_2']); terms.get('sel_1')?.commission
   */
  async termsOf(db: Queryable, ids: readonly string[]): Promise<Map<string, SellerTerms>> {
    const rows = await repo.findSellers(db, [...new Set(ids)]);
    return new Map(rows.map((r) => [r.id, { status: r.status, commission: r.commission }]));
  }

  /** The full payout details, opened (payouts only: never return them through the API). */
  async payoutDetails(ctx: Pick<ServiceContext, 'env' | 'db'>, id: string): Promise<PayoutDetails | null> {
    const row = await repo.findSeller(ctx.db, id);
    if (!row) throw notFound(id);
    if (!row.payout_ciphertext) return null;
    const cipher = await this.ciphers(ctx.env);
    return JSON.parse(cipher.open(row.payout_ciphertext, payoutAad(ctx.env, id))) as PayoutDetails;
  }
}
