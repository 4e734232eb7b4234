import { LRUCache } from 'lru-cache';
import type { Queryable } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import type { ServiceContext } from '../../platform/http/context.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { purchasableVariants } from '../catalog/index.js';
import type { RegionPricing, RegionsService } from '../pricing/index.js';
import { shippingAmount, totalWeightGrams } from '../pricing/index.js';
import { CartErrors } from './carts.errors.js';
import { customerKey, type CustomersPort, type PromotionsPort } from './carts.ports.js';
import { presentCart, priceCartData, type PricedCart } from './carts.present.js';
import * as repo from './carts.repo.js';
import type { Cart, CartCreate, CartPatch, ItemAdd, ItemPatch } from './carts.schemas.js';

const MAX_LINES = 100;

/** What a change did: cart fields to write, and whether the lines changed. */
interface Change {
  cart?: repo.CartWrite;
  itemsChanged?: boolean;
}

/**
 * Carts: lines, addresses, shipping and codes, priced on every answer. A change is one
 * conditional statement on an open cart where it can be (fields, adding a line), else one
 * transaction on the locked cart; whatever it needs from elsewhere (variants, the region) is read
 * first, so a transaction never waits for a second pool connection.
 */
export class CartsService {
  /** A cart's region and currency never change: kept per cart id so a change need not read them first. */
  private readonly facts = new LRUCache<string, { region_id: string; currency: string }>({ max: 50_000 });

  constructor(
    private readonly deps: Pick<ModuleDeps, 'config'>,
    private readonly regions: RegionsService,
    private readonly promotions: PromotionsPort,
    private readonly customers: CustomersPort,
  ) {}

  private async cartFacts(ctx: ServiceContext, id: string): Promise<{ region_id: string; currency: string }> {
    const key = `${ctx.env}|${id}`;
    let facts = this.facts.get(key);
    if (!facts) {
      facts = await repo.cartFacts(ctx.db, id);
      if (!facts) throw new AppError(CartErrors.cartNotFound, `No cart ${id}.`);
      this.facts.set(key, facts);
    }
    return facts;
  }

  /** When a cart changed now expires. */
  expiry(ctx: Pick<ServiceContext, 'now'>): Date {
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

  /** The products in a cart (one round trip), with `load`'s not-found and expiry answers. */
  async productIds(ctx: ServiceContext, id: string): Promise<string[]> {
    const row = await repo.cartProducts(ctx.db, id);
    if (!row) throw new AppError(CartErrors.cartNotFound, `No cart ${id}.`);
    if (row.status === 'open' && row.expires_at <= ctx.now()) throw new AppError(CartErrors.cartExpired, `Cart ${id} expired at ${row.expires_at.toISOString()}.`);
    return row.product_ids;
  }

  async get(ctx: ServiceContext, id: string): Promise<Cart> {
    return presentCart(await this.price(ctx, await this.load(ctx, id)));
  }

  /** A claimed cart as the API shows it once checkout completed it as `orderId` at `now`, without reading it back. */
  presentCompleted(priced: PricedCart, orderId: string, now: Date): Cart {
    return presentCart({ ...priced, data: { ...priced.data, cart: { ...priced.data.cart, status: 'completed', order_id: orderId, checkout_lease_until: null, updated_at: now } } });
  }

  /**
   * Runs a change on the locked, open cart and extends its life, in one transaction. The change
   * returns the cart fields to set (written with the new expiry in one UPDATE) and whether it
   * touched the lines (only then are they read again).
   */
  private async mutate(ctx: ServiceContext, id: string, change: (tx: Queryable, data: repo.CartWithItems) => Promise<Change | undefined>): Promise<PricedCart> {
    const data = await ctx.db.transaction(async (tx) => {
      const current = await this.load(ctx, id, tx, true);
      assertOpen(current.cart);
      const outcome = (await change(tx, current)) ?? {};
      const cart = await repo.updateCartReturning(tx, id, { ...outcome.cart, expires_at: this.expiry(ctx) }, ctx.now());
      return { cart, items: outcome.itemsChanged ? await repo.loadItems(tx, id) : current.items };
    });
    return this.price(ctx, data);
  }

  async create(ctx: ServiceContext, input: CartCreate): Promise<Cart> {
    assertMayNameCustomer(ctx, input.customer_id);
    const pricing = await this.regionPricing(ctx, input.region_id);
    const currency = pricing.region.currency;
    if (input.currency && input.currency !== currency) {
      throw new AppError(CartErrors.currencyMismatch, `Region ${input.region_id} sells in ${currency}, not ${input.currency}.`, [{ detail: `Must be ${currency}.`, pointer: '/currency' }]);
    }
    const id = ctx.ids('cart');
    const lines = await this.resolveItems(ctx, input.items ?? [], currency, '/items');
    // Tessera-Campaign labels are kept on the cart (the body's own keys win), so its order's events carry them
    const row = { id, region_id: input.region_id, currency, email: input.email ?? null, customer_id: input.customer_id ?? null, metadata: { ...ctx.campaign, ...input.metadata }, expires_at: this.expiry(ctx) };
    const data = lines.length
      ? await ctx.db
          .transaction(async (tx) => {
            await repo.insertCart(tx, row, ctx.now());
            for (const line of lines) await repo.upsertItem(tx, { ...line, cart_id: id }, ctx.now());
            return this.load(ctx, id, tx);
          })
          .catch((err: unknown) => {
            // the same variant listed twice adds up past a line's 10000 units
            if ((err as { code?: string }).code === '23514') throw new AppError(CartErrors.tooManyItems, 'A line holds at most 10000 units.', [{ detail: 'Too many units.', pointer: '/items' }]);
            throw err;
          })
      : { cart: await repo.insertCart(ctx.db, row, ctx.now()), items: [] };
    this.facts.set(`${ctx.env}|${id}`, { region_id: input.region_id, currency });
    return presentCart(await this.price(ctx, data));
  }

  async update(ctx: ServiceContext, id: string, patch: CartPatch): Promise<Cart> {
    assertMayNameCustomer(ctx, patch.customer_id);
    const pricing = await this.regionPricing(ctx, (await this.cartFacts(ctx, id)).region_id);
    for (const field of ['shipping_address', 'billing_address'] as const) {
      const country = patch[field]?.country;
      if (country && !pricing.region.countries.includes(country)) {
        throw new AppError(CartErrors.countryNotInRegion, `Region ${pricing.region.name} does not serve ${country}.`, [{ detail: `Not one of ${pricing.region.countries.join(', ')}.`, pointer: `/${field}/country` }]);
      }
    }
    if (!patch.metadata) return presentCart(await this.updateFields(ctx, id, patch));
    // metadata merges with what is there: read it under the cart's lock
    const priced = await this.mutate(ctx, id, async (_tx, data) => ({ cart: { ...patch, metadata: { ...data.cart.metadata, ...patch.metadata } } }));
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

  /**
   * Adds a line in one statement (no transaction). A new line that makes the cart exceed 100
   * lines (possible only with concurrent adds) is taken back out and added again on the exact,
   * locked path, so a cart never keeps more than 100 and no add is refused while there is room.
   */
  async addItem(ctx: ServiceContext, id: string, item: ItemAdd): Promise<Cart> {
    const [line] = await this.resolveItems(ctx, [item], (await this.cartFacts(ctx, id)).currency, '');
    if (!line) throw new AppError(CartErrors.variantUnavailable, 'No item given.');
    const added = await repo.addItemToOpenCart(ctx.db, { ...line, cart_id: id }, ctx.now(), this.expiry(ctx)).catch((err: unknown) => {
      if ((err as { code?: string }).code === '23514') throw new AppError(CartErrors.tooManyItems, 'A line holds at most 10000 units.', [{ detail: 'Too many units.', pointer: '/quantity' }]);
      throw err;
    });
    if (!added) return this.refuse(ctx, id);
    const items = await repo.loadItems(ctx.db, id);
    if (added.inserted && items.length > MAX_LINES) {
      // concurrent adds near the limit: take this line back out and decide again under the cart's lock
      await repo.deleteItem(ctx.db, id, added.line_id);
      return this.addItemSerialized(ctx, id, line);
    }
    return presentCart(await this.price(ctx, { cart: added.cart, items }));
  }

  /** The exact path: count the lines under the cart's row lock, then add. */
  private async addItemSerialized(ctx: ServiceContext, id: string, line: Omit<repo.ItemWrite, 'cart_id'>): Promise<Cart> {
    const priced = await this.mutate(ctx, id, async (tx, data) => {
      const existing = data.items.find((i) => i.variant_id === line.variant_id);
      if (!existing && data.items.length >= MAX_LINES) throw new AppError(CartErrors.tooManyItems, `A cart holds at most ${MAX_LINES} lines.`);
      await repo.upsertItem(tx, { ...line, cart_id: id }, ctx.now());
      return { itemsChanged: true };
    });
    return presentCart(priced);
  }

  async updateItem(ctx: ServiceContext, id: string, itemId: string, patch: ItemPatch): Promise<Cart> {
    const priced = await this.mutate(ctx, id, async (tx, data) => {
      const item = data.items.find((i) => i.id === itemId);
      if (!item) throw new AppError(CartErrors.itemNotFound, `No item ${itemId} in cart ${id}.`);
      await repo.updateItem(tx, id, itemId, { quantity: patch.quantity, metadata: patch.metadata && { ...item.metadata, ...patch.metadata } }, ctx.now());
      return { itemsChanged: true };
    });
    return presentCart(priced);
  }

  async removeItem(ctx: ServiceContext, id: string, itemId: string): Promise<Cart> {
    const priced = await this.mutate(ctx, id, async (tx) => {
      if (!(await repo.deleteItem(tx, id, itemId))) throw new AppError(CartErrors.itemNotFound, `No item ${itemId} in cart ${id}.`);
      return { itemsChanged: true };
    });
    return presentCart(priced);
  }

  /** The region's active options that fit this cart's weight, each priced for it. */
  async shippingOptions(ctx: ServiceContext, id: string): Promise<{ id: string; object: 'cart_shipping_option'; name: string; amount: number }[]> {
    const data = await this.load(ctx, id);
    const pricing = await this.regionPricing(ctx, data.cart.region_id);
    const weight = totalWeightGrams(data.items);
    return [...pricing.shippingOptions.values()]
      .filter((o) => o.active)
      .flatMap((o) => {
        const amount = shippingAmount(o.price, weight);
        return amount === null ? [] : [{ id: o.id, object: 'cart_shipping_option' as const, name: o.name, amount }];
      });
  }

  async setShipping(ctx: ServiceContext, id: string, optionId: string): Promise<Cart> {
    const facts = await this.cartFacts(ctx, id);
    const pricing = await this.regionPricing(ctx, facts.region_id);
    const items = await repo.loadItems(ctx.db, id);
    const option = pricing.shippingOptions.get(optionId);
    const why = !option ? `No shipping option ${optionId} in region ${facts.region_id}.` : !option.active ? 'The option is not active.' : shippingAmount(option.price, totalWeightGrams(items)) === null ? 'The cart is too heavy for this option.' : null;
    if (why) throw new AppError(CartErrors.shippingOptionUnavailable, why, [{ detail: why, pointer: '/option_id' }]);
    // lines changed meanwhile can make the option unfit: pricing then shows no shipping, and checkout asks for another
    return presentCart(await this.updateFields(ctx, id, { shipping_option_id: optionId }, items));
  }

  /** Adds a code. An unknown code is a 422; a known but ineligible one stays, listed in `rejected`. */
  async addPromotion(ctx: ServiceContext, id: string, rawCode: string): Promise<Cart> {
    const code = rawCode.trim().toUpperCase();
    const promotion = await this.promotions.findByCode(ctx, code);
    if (!promotion) throw new AppError(CartErrors.promotionCodeInvalid, `No promotion has the code ${code}.`, [{ detail: 'Unknown code.', pointer: '/code' }]);
    const priced = await this.mutate(ctx, id, async (tx, data) => {
      return data.cart.promotion_codes.includes(code) ? undefined : { cart: { promotion_codes: [...data.cart.promotion_codes, code] } };
    });
    this.promotions.recordRejections(priced.totals.promotions.rejected.filter((r) => r.code === code));
    return presentCart(priced);
  }

  async removePromotion(ctx: ServiceContext, id: string, rawCode: string): Promise<Cart> {
    const code = rawCode.trim().toUpperCase();
    const priced = await this.mutate(ctx, id, async (tx, data) => {
      if (!data.cart.promotion_codes.includes(code)) throw new AppError(CartErrors.promotionCodeNotApplied, `Code ${code} is not on cart ${id}.`);
      return { cart: { promotion_codes: data.cart.promotion_codes.filter((c) => c !== code) } };
    });
    return presentCart(priced);
  }

  /** Why a cart could not be changed or claimed: 404, 410, or 409 (completed, or held by a checkout). */
  async refuse(ctx: ServiceContext, id: string): Promise<never> {
    const data = await this.load(ctx, id);
    assertOpen(data.cart);
    throw new AppError(CartErrors.checkoutInProgress, `Cart ${id} changed meanwhile; retry.`);
  }

  /** A change of cart fields only: one conditional UPDATE, which also reads the lines unless the caller has them. */
  private async updateFields(ctx: ServiceContext, id: string, fields: repo.CartWrite, items?: repo.CartItemRow[]): Promise<PricedCart> {
    const updated = await repo.updateOpenCart(ctx.db, id, { ...fields, expires_at: this.expiry(ctx) }, ctx.now(), !items);
    if (!updated) return this.refuse(ctx, id);
    return this.price(ctx, items ? { cart: updated.cart, items } : updated);
  }

  /** Deletes carts that expired more than a day ago (they answer 410 until then). */
  async purgeExpired(ctx: Pick<ServiceContext, 'db' | 'now'>): Promise<number> {
    return repo.deleteExpired(ctx.db, new Date(ctx.now().getTime() - 24 * 3600_000), 1000);
  }
}

/**
 * The customer a cart belongs to decides segment promotions and per-customer limits, so only the
 * store's server (a secret or restricted key) may name it: a publishable key is public, and a
 * shopper could otherwise claim any customer's segments.
 */
function assertMayNameCustomer(ctx: ServiceContext, customerId: string | null | undefined): void {
  if (customerId !== undefined && customerId !== null && ctx.actor?.type === 'publishable') {
    throw new AppError(CartErrors.customerNeedsSecretKey, 'Set customer_id from your server with a secret or restricted key (carts:write); a publishable key is public.', [{ detail: 'Not with a publishable key.', pointer: '/customer_id' }]);
  }
}

function assertOpen(cart: repo.CartRow): void {
  if (cart.status === 'completed') throw new AppError(CartErrors.cartCompleted, `Cart ${cart.id} is already completed as order ${cart.order_id ?? ''}.`);
  if (cart.status === 'completing') throw new AppError(CartErrors.checkoutInProgress, `A checkout of cart ${cart.id} is in progress.`);
}
