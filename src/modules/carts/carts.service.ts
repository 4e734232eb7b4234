import type { Queryable } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import type { ServiceContext } from '../../platform/http/context.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { purchasableVariants } from '../catalog/index.js';
import type { RegionPricing, RegionsService } from '../pricing/index.js';
import { shippingAmount } from '../pricing/index.js';
import { CartErrors } from './carts.errors.js';
import { customerKey, type CustomersPort, type PromotionsPort } from './carts.ports.js';
import { presentCart, priceCartData, totalWeight, type PricedCart } from './carts.present.js';
import * as repo from './carts.repo.js';
import type { Cart, CartCreate, CartPatch, ItemAdd, ItemPatch } from './carts.schemas.js';

const MAX_LINES = 100;

/** Carts: lines, addresses, shipping and codes, priced on every answer. */
export class CartsService {
  constructor(
    private readonly deps: Pick<ModuleDeps, 'config'>,
    private readonly regions: RegionsService,
    private readonly promotions: PromotionsPort,
    private readonly customers: CustomersPort,
  ) {}

  private expiry(ctx: ServiceContext): Date {
    return new Date(ctx.now().getTime() + this.deps.config.cartTtlSeconds * 1000);
  }

  private async regionPricing(ctx: ServiceContext, regionId: string): Promise<RegionPricing> {
    const pricing = await this.regions.regionPricing(ctx.env, regionId);
    if (!pricing) throw new AppError(CartErrors.unknownRegion, `No region ${regionId}.`, [{ detail: 'Unknown region.', pointer: '/region_id' }]);
    return pricing;
  }

  /** Prices a loaded cart with the current promotions; checkout calls this too. */
  async price(ctx: ServiceContext, data: repo.CartWithItems): Promise<PricedCart> {
    const pricing = await this.regionPricing(ctx, data.cart.region_id);
    const promotions = await this.promotions.loadForCart(ctx, { codes: data.cart.promotion_codes, customerKey: customerKey(data.cart) });
    const needsProfile = promotions.some((p) => p.conditions.some((c) => c.type === 'first_order' || c.type === 'customer_segment'));
    const profile = needsProfile ? await this.customers.profile(ctx, { customerId: data.cart.customer_id, email: data.cart.email }) : { segments: [], has_orders: false };
    return priceCartData(data, pricing, { id: data.cart.customer_id, email: data.cart.email, ...profile }, promotions, ctx.now());
  }

  /** Loads a cart that exists and has not expired (completed carts stay readable). */
  async load(ctx: ServiceContext, id: string, db: Queryable = ctx.db, lock = false): Promise<repo.CartWithItems> {
    const data = await repo.loadCart(db, id, lock);
    if (!data) throw new AppError(CartErrors.cartNotFound, `No cart ${id}.`);
    if (data.cart.status === 'open' && data.cart.expires_at <= ctx.now()) throw new AppError(CartErrors.cartExpired, `Cart ${id} expired at ${data.cart.expires_at.toISOString()}.`);
    return data;
  }

  async get(ctx: ServiceContext, id: string): Promise<Cart> {
    return presentCart(await this.price(ctx, await this.load(ctx, id)));
  }

  /** Runs a change on a locked, open cart, extends its life, and answers the priced cart. */
  private async mutate(ctx: ServiceContext, id: string, change: (tx: Queryable, data: repo.CartWithItems) => Promise<void>): Promise<PricedCart> {
    const data = await ctx.db.transaction(async (tx) => {
      const current = await this.load(ctx, id, tx, true);
      assertOpen(current.cart);
      await change(tx, current);
      await repo.updateCart(tx, id, { expires_at: this.expiry(ctx) }, ctx.now());
      return this.load(ctx, id, tx);
    });
    return this.price(ctx, data);
  }

  async create(ctx: ServiceContext, input: CartCreate): Promise<Cart> {
    const pricing = await this.regionPricing(ctx, input.region_id);
    const currency = pricing.region.currency;
    if (input.currency && input.currency !== currency) {
      throw new AppError(CartErrors.currencyMismatch, `Region ${input.region_id} sells in ${currency}, not ${input.currency}.`, [{ detail: `Must be ${currency}.`, pointer: '/currency' }]);
    }
    const id = ctx.ids('cart');
    const lines = await this.resolveItems(ctx, input.items ?? [], currency, '/items');
    const data = await ctx.db.transaction(async (tx) => {
      await repo.insertCart(tx, { id, region_id: input.region_id, currency, email: input.email ?? null, customer_id: input.customer_id ?? null, metadata: input.metadata ?? {}, expires_at: this.expiry(ctx) }, ctx.now());
      for (const line of lines) await repo.upsertItem(tx, { ...line, cart_id: id }, ctx.now());
      return this.load(ctx, id, tx);
    });
    if (data.items.length > MAX_LINES) throw new AppError(CartErrors.tooManyItems, `A cart holds at most ${MAX_LINES} lines.`);
    return presentCart(await this.price(ctx, data));
  }

  async update(ctx: ServiceContext, id: string, patch: CartPatch): Promise<Cart> {
    const priced = await this.mutate(ctx, id, async (tx, data) => {
      const pricing = await this.regionPricing(ctx, data.cart.region_id);
      for (const field of ['shipping_address', 'billing_address'] as const) {
        const country = patch[field]?.country;
        if (country && !pricing.region.countries.includes(country)) {
          throw new AppError(CartErrors.countryNotInRegion, `Region ${pricing.region.name} does not serve ${country}.`, [{ detail: `Not one of ${pricing.region.countries.join(', ')}.`, pointer: `/${field}/country` }]);
        }
      }
      await repo.updateCart(tx, id, { ...patch, metadata: patch.metadata && { ...data.cart.metadata, ...patch.metadata } }, ctx.now());
    });
    return presentCart(priced);
  }

  /** Resolves `variant_id`/`sku` references to sellable, priced lines (422 naming each bad one). */
  private async resolveItems(ctx: ServiceContext, items: readonly ItemAdd[], currency: string, pointer: string): Promise<Omit<repo.ItemWrite, 'cart_id'>[]> {
    const refs = items.map((i) => i.variant_id ?? i.sku ?? '');
    const found = await purchasableVariants(ctx, refs.filter(Boolean), currency);
    return items.map((item, i) => {
      const at = items.length === 1 && pointer === '' ? '' : `${pointer}/${i}`;
      if (!item.variant_id === !item.sku) throw new AppError(CartErrors.variantUnavailable, 'Give either variant_id or sku.', [{ detail: 'Exactly one of variant_id and sku.', pointer: at || '/' }]);
      const v = found.find((f) => (item.variant_id ? f.variant_id === item.variant_id : f.sku === item.sku));
      const why = !v || v.status !== 'published' ? 'No such variant for sale.' : v.unit_amount === null ? `No price in ${currency}.` : null;
      if (!v || why) throw new AppError(CartErrors.variantUnavailable, `${refs[i]}: ${why ?? ''}`, [{ detail: why ?? '', pointer: `${at}/${item.variant_id ? 'variant_id' : 'sku'}` }]);
      return {
        id: ctx.ids('item'),
        variant_id: v.variant_id,
        product_id: v.product_id,
        sku: v.sku,
        title: v.title,
        unit_amount: v.unit_amount ?? 0,
        quantity: item.quantity,
        weight_grams: v.weight_grams,
        category_ids: v.category_paths,
        seller_id: v.seller_id,
        metadata: item.metadata ?? {},
      };
    });
  }

  async addItem(ctx: ServiceContext, id: string, item: ItemAdd): Promise<Cart> {
    const priced = await this.mutate(ctx, id, async (tx, data) => {
      const [line] = await this.resolveItems(ctx, [item], data.cart.currency, '');
      if (!line) return;
      const existing = data.items.find((i) => i.variant_id === line.variant_id);
      if (!existing && data.items.length >= MAX_LINES) throw new AppError(CartErrors.tooManyItems, `A cart holds at most ${MAX_LINES} lines.`);
      if (existing && existing.quantity + line.quantity > 10_000) throw new AppError(CartErrors.tooManyItems, 'A line holds at most 10000 units.', [{ detail: 'Too many units.', pointer: '/quantity' }]);
      await repo.upsertItem(tx, { ...line, cart_id: id }, ctx.now());
    });
    return presentCart(priced);
  }

  async updateItem(ctx: ServiceContext, id: string, itemId: string, patch: ItemPatch): Promise<Cart> {
    const priced = await this.mutate(ctx, id, async (tx, data) => {
      const item = data.items.find((i) => i.id === itemId);
      if (!item) throw new AppError(CartErrors.itemNotFound, `No item ${itemId} in cart ${id}.`);
      await repo.updateItem(tx, id, itemId, { quantity: patch.quantity, metadata: patch.metadata && { ...item.metadata, ...patch.metadata } }, ctx.now());
    });
    return presentCart(priced);
  }

  async removeItem(ctx: ServiceContext, id: string, itemId: string): Promise<Cart> {
    const priced = await this.mutate(ctx, id, async (tx) => {
      if (!(await repo.deleteItem(tx, id, itemId))) throw new AppError(CartErrors.itemNotFound, `No item ${itemId} in cart ${id}.`);
    });
    return presentCart(priced);
  }

  /** The region's active options that fit this cart's weight, each priced for it. */
  async shippingOptions(ctx: ServiceContext, id: string): Promise<{ id: string; object: 'cart_shipping_option'; name: string; amount: number }[]> {
    const data = await this.load(ctx, id);
    const pricing = await this.regionPricing(ctx, data.cart.region_id);
    const weight = totalWeight(data);
    return [...pricing.shippingOptions.values()]
      .filter((o) => o.active)
      .flatMap((o) => {
        const amount = shippingAmount(o.price, weight);
        return amount === null ? [] : [{ id: o.id, object: 'cart_shipping_option' as const, name: o.name, amount }];
      });
  }

  async setShipping(ctx: ServiceContext, id: string, optionId: string): Promise<Cart> {
    const priced = await this.mutate(ctx, id, async (tx, data) => {
      const pricing = await this.regionPricing(ctx, data.cart.region_id);
      const option = pricing.shippingOptions.get(optionId);
      const why = !option ? `No shipping option ${optionId} in region ${data.cart.region_id}.` : !option.active ? 'The option is not active.' : shippingAmount(option.price, totalWeight(data)) === null ? 'The cart is too heavy for this option.' : null;
      if (why) throw new AppError(CartErrors.shippingOptionUnavailable, why, [{ detail: why, pointer: '/option_id' }]);
      await repo.updateCart(tx, id, { shipping_option_id: optionId }, ctx.now());
    });
    return presentCart(priced);
  }

  /** Adds a code. An unknown code is a 422; a known but ineligible one stays, listed in `rejected`. */
  async addPromotion(ctx: ServiceContext, id: string, rawCode: string): Promise<Cart> {
    const code = rawCode.trim().toUpperCase();
    const promotion = await this.promotions.findByCode(ctx, code);
    if (!promotion) throw new AppError(CartErrors.promotionCodeInvalid, `No promotion has the code ${code}.`, [{ detail: 'Unknown code.', pointer: '/code' }]);
    const priced = await this.mutate(ctx, id, async (tx, data) => {
      if (data.cart.promotion_codes.includes(code)) return;
      await repo.updateCart(tx, id, { promotion_codes: [...data.cart.promotion_codes, code] }, ctx.now());
    });
    this.promotions.recordRejections(priced.totals.promotions.rejected.filter((r) => r.code === code));
    return presentCart(priced);
  }

  async removePromotion(ctx: ServiceContext, id: string, rawCode: string): Promise<Cart> {
    const code = rawCode.trim().toUpperCase();
    const priced = await this.mutate(ctx, id, async (tx, data) => {
      if (!data.cart.promotion_codes.includes(code)) throw new AppError(CartErrors.promotionCodeNotApplied, `Code ${code} is not on cart ${id}.`);
      await repo.updateCart(tx, id, { promotion_codes: data.cart.promotion_codes.filter((c) => c !== code) }, ctx.now());
    });
    return presentCart(priced);
  }

  /**
   * Claims an open cart for one checkout until `leaseUntil` (status `completing`): a concurrent or
   * repeated checkout of the same cart gets 409 until this one finishes or its lease runs out.
   */
  async claimForCheckout(ctx: ServiceContext, id: string, leaseUntil: Date): Promise<repo.CartWithItems> {
    return ctx.db.transaction(async (tx) => {
      const data = await this.load(ctx, id, tx, true);
      if (data.cart.status === 'completed') assertOpen(data.cart);
      if (!(await repo.claimForCheckout(tx, id, leaseUntil, ctx.now()))) assertOpen(data.cart);
      return { ...data, cart: { ...data.cart, status: 'completing' as const } };
    });
  }

  /** Carts left `completing` by a checkout whose process died (lease expired). */
  async staleCheckouts(ctx: Pick<ServiceContext, 'db' | 'now'>): Promise<string[]> {
    return repo.staleCheckouts(ctx.db, ctx.now(), 100);
  }

  /** The undo of a claim: the cart is open again (its checkout failed). */
  async reopen(ctx: ServiceContext, id: string): Promise<void> {
    await ctx.db.transaction(async (tx) => {
      await repo.updateCart(tx, id, { status: 'open', checkout_lease_until: null, expires_at: this.expiry(ctx) }, ctx.now());
    });
  }

  /** Marks a claimed cart completed as `orderId`, in checkout's transaction. */
  async complete(tx: Queryable, ctx: ServiceContext, id: string, orderId: string): Promise<void> {
    await repo.updateCart(tx, id, { status: 'completed', order_id: orderId, checkout_lease_until: null }, ctx.now());
  }

  /** Lines whose variant is no longer for sale, or whose price changed, since they were added. */
  async staleLines(ctx: ServiceContext, data: repo.CartWithItems): Promise<{ item: repo.CartItemRow; unit_amount: number | null }[]> {
    const current = await purchasableVariants(ctx, data.items.map((i) => i.variant_id), data.cart.currency);
    return data.items.flatMap((item) => {
      const v = current.find((c) => c.variant_id === item.variant_id);
      const now = v && v.status === 'published' ? v.unit_amount : null;
      return now === item.unit_amount ? [] : [{ item, unit_amount: now }];
    });
  }

  /** Brings changed prices up to date (and drops lines no longer for sale), so the shopper sees what checkout would charge. */
  async refreshLines(ctx: ServiceContext, id: string, stale: readonly { item: repo.CartItemRow; unit_amount: number | null }[]): Promise<void> {
    await ctx.db.transaction(async (tx) => {
      for (const s of stale) {
        if (s.unit_amount === null) await repo.deleteItem(tx, id, s.item.id);
        else await repo.updateItem(tx, id, s.item.id, { unit_amount: s.unit_amount }, ctx.now());
      }
    });
  }

  /** Deletes carts that expired more than a day ago (they answer 410 until then). */
  async purgeExpired(ctx: Pick<ServiceContext, 'db' | 'now'>): Promise<number> {
    return repo.deleteExpired(ctx.db, new Date(ctx.now().getTime() - 24 * 3600_000), 1000);
  }
}

function assertOpen(cart: repo.CartRow): void {
  if (cart.status === 'completed') throw new AppError(CartErrors.cartCompleted, `Cart ${cart.id} is already completed as order ${cart.order_id ?? ''}.`);
  if (cart.status === 'completing') throw new AppError(CartErrors.checkoutInProgress, `A checkout of cart ${cart.id} is in progress.`);
}
