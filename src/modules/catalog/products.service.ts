import type { Environment, Queryable } from '../../platform/db/database.js';
import { InvalidationBus } from '../../platform/db/invalidation.js';
import { emit } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { toList, type List } from '../../platform/http/pagination.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import type { CategoriesService } from './categories.service.js';
import * as categoriesRepo from './categories.repo.js';
import { CatalogErrors } from './catalog.errors.js';
import { checkPrices, checkVariants, slugify, uniqueViolation } from './catalog.rules.js';
import type { Product, ProductCreate, ProductModerate, ProductPatch, VariantInput, VariantPatch } from './catalog.schemas.js';
import { checkSellerPatch, moderationOf, sellerCreate, sellerOf, visibleTo } from './listings.rules.js';
import { PageCache } from './page-cache.js';
import { ProductCache, type CachedProduct } from './products.cache.js';
import * as repo from './products.repo.js';
import { productDeletedEvents, productEvents } from './catalog.events.js';
import type { CatalogSellersPort } from './catalog.ports.js';
import { onStorefront, presentProduct, productFor, publishedOnly, storefrontProduct } from './products.present.js';

export { presentProduct, publishedOnly } from './products.present.js';

/** Locks a product and reads it; 404 when there is none, or when it is another seller's. */
async function lockedProduct(tx: Queryable, id: string, seller: string | null = null): Promise<repo.ProductRow> {
  const row = await repo.lockProduct(tx, id);
  if (!row || !visibleTo(seller, row)) throw new AppError(CatalogErrors.productNotFound, `No product ${id}.`);
  return row;
}

async function categoryPaths(tx: Queryable, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const found = await categoriesRepo.findCategories(tx, ids, 'share');
  const missing = ids.filter((id) => !found.some((c) => c.id === id));
  if (missing.length) {
    throw new AppError(
      CatalogErrors.unknownCategory,
      `Unknown categor${missing.length > 1 ? 'ies' : 'y'}: ${missing.join(', ')}.`,
      missing.map((id) => ({ detail: `No category ${id}.`, pointer: `/category_ids/${ids.indexOf(id)}` })),
    );
  }
  return [...new Set(found.flatMap((c) => c.path))].sort();
}

/** Products and their variants: CRUD, with every write dropping the product from read caches. */
export class ProductsService {
  readonly cache: ProductCache;
  /** Pages of the product list, dropped on any catalog write like search results. */
  private readonly pages: PageCache<List<Product>>;

  constructor(
    private readonly deps: Pick<ModuleDeps, 'db' | 'bus' | 'metrics' | 'config'>,
    private readonly categories: CategoriesService,
    private readonly sellers: CatalogSellersPort,
  ) {
    this.cache = new ProductCache(deps.config.productCacheSize, (env, id) => this.loadForCache(env, id), deps.bus, deps.metrics);
    this.pages = new PageCache('product_list', { max: 1000, maxSize: 10_000, sizeOf: (page) => page.data.length + 1 }, deps.bus, deps.metrics);
  }

  private async loadForCache(env: Environment, id: string): Promise<CachedProduct | undefined> {
    const row = (await repo.loadProducts(this.deps.db.forEnv(env), [id]))[0];
    if (!row) return undefined;
    const product = presentProduct(row);
    return {
      product,
      storefront: storefrontProduct(product),
      segment: await this.categories.segmentOf(env, row.category_ids),
      surrogateKeys: [`product-${row.id}`, ...row.category_paths.map((c) => `category-${c}`)],
    };
  }

  /**
   * The read path: one product from the in-process cache, as the caller sees it (`product` is the
   * storefront's view for publishable keys). 404 when absent or hidden from the caller: a
   * storefront sees only published products of sellers that are not suspended.
   */
  async get(ctx: ServiceContext, id: string): Promise<Omit<CachedProduct, 'storefront'>> {
    const cached = await this.cache.get(ctx.env, id);
    const storefront = publishedOnly(ctx);
    if (!cached || (storefront && !onStorefront(cached.product)) || !visibleTo(sellerOf(ctx), cached.product)) {
      throw new AppError(CatalogErrors.productNotFound, `No product ${id}.`);
    }
    return storefront ? { product: cached.storefront, segment: cached.segment, surrogateKeys: cached.surrogateKeys } : cached;
  }

  /** A page of products; a seller key lists its own products (drafts included) only. */
  async list(ctx: ServiceContext, q: { limit: number; starting_after?: string; status?: string; seller_id?: string }): Promise<List<Product>> {
    const published = publishedOnly(ctx);
    const seller = sellerOf(ctx);
    if (seller && q.seller_id !== undefined && q.seller_id !== seller) return { object: 'list', data: [], has_more: false, next_cursor: null };
    const sellerId = seller ?? q.seller_id;
    const key = `${published}|${q.status ?? ''}|${sellerId ?? ''}|${q.starting_after ?? ''}|${q.limit}`;
    return this.pages.get(ctx.env, key, async () => {
      const ids = await repo.pageProductIds(ctx.db, q.starting_after, q.limit + 1, published, q.status, sellerId);
      const rows = await repo.loadProducts(ctx.db, ids);
      return toList(rows.map((r) => productFor(ctx, presentProduct(r))), q.limit, (p) => p.id);
    });
  }

  /** Loads products by id, keeping the given order (search results), as the caller sees them. */
  async loadMany(ctx: ServiceContext, ids: readonly string[]): Promise<Product[]> {
    const rows = await repo.loadProducts(ctx.db, ids);
    const byId = new Map(rows.map((r) => [r.id, productFor(ctx, presentProduct(r))]));
    return ids.map((id) => byId.get(id)).filter((p): p is Product => p !== undefined);
  }

  /**
   * Runs one product write in a transaction: locks and reads the product first unless it is being
   * created (another seller's product is 404 to a seller key), runs `fn`, reads the product as
   * written and emits the write's events in the same transaction. A seller's change to a rejected
   * listing puts it back to draft, for review again. Returns the product as written.
   */
  private async write(
    ctx: ServiceContext,
    id: string,
    kind: 'create' | 'change',
    fn: (tx: Queryable, before: Product | undefined) => Promise<void>,
    conflict: { handle?: string; skus?: string[] },
    prelude?: (tx: Queryable) => Promise<void>,
  ): Promise<Product> {
    const seller = sellerOf(ctx);
    const product = await ctx.db
      .transaction(async (tx) => {
        // before the product's lock: what it locks (a seller) is locked in that order everywhere
        if (prelude) await prelude(tx);
        const before = kind === 'change' ? presentProduct(await lockedProduct(tx, id, seller)) : undefined;
        await fn(tx, before);
        let after = presentProduct(await lockedProduct(tx, id));
        if (seller && after.status === 'rejected') {
          await repo.updateProduct(tx, id, { status: 'draft' }, ctx.now());
          after = presentProduct(await lockedProduct(tx, id));
        }
        await emit(tx, ctx, productEvents(before, after));
        await InvalidationBus.publish(tx, ctx.env, 'product', id);
        return after;
      })
      .catch((err: unknown) => uniqueViolation(err, conflict));
    this.deps.bus.deliver(ctx.env, 'product', id);
    return product;
  }

  async create(ctx: ServiceContext, body: ProductCreate): Promise<Product> {
    const seller = sellerOf(ctx);
    const input = seller ? sellerCreate(seller, body) : body;
    checkVariants(input.variants, '/variants');
    const id = ctx.ids('prod');
    const handle = input.handle ?? `${slugify(input.title)}-${id.slice(-6)}`;
    const now = ctx.now();
    return this.write(
      ctx,
      id,
      'create',
      async (tx) => {
        const categoryIds = input.category_ids ?? [];
        await repo.insertProduct(
          tx,
          {
            id,
            title: input.title,
            handle,
            description: input.description ?? '',
            status: input.status ?? 'draft',
            brand: input.brand ?? null,
            category_ids: categoryIds,
            category_paths: await categoryPaths(tx, categoryIds),
            attributes: input.attributes ?? {},
            images: input.images ?? [],
            seller_id: input.seller_id ?? null,
            seller_suspended: await this.sellerSuspended(tx, input.seller_id ?? null),
            metadata: input.metadata ?? {},
          },
          now,
        );
        for (const [i, v] of input.variants.entries()) await repo.insertVariant(tx, id, ctx.ids('var'), v, i, now);
        await repo.refreshMinPrices(tx, id);
      },
      { handle, skus: input.variants.map((v) => v.sku) },
    );
  }

  async update(ctx: ServiceContext, id: string, patch: ProductPatch): Promise<Product> {
    const seller = sellerOf(ctx);
    if (seller) checkSellerPatch(seller, patch);
    // a product handed to another seller (operators only) takes that seller's standing, read (and
    // share-locked) before the product is locked, as a suspension locks the seller, then its products
    const newSeller = patch.seller_id;
    let suspended: boolean | undefined;
    const prelude = newSeller === undefined ? undefined : async (tx: Queryable) => void (suspended = await this.sellerSuspended(tx, newSeller));
    return this.write(
      ctx,
      id,
      'change',
      async (tx) => {
        const fields: Partial<repo.ProductWrite> = { ...patch };
        if (patch.category_ids) fields.category_paths = await categoryPaths(tx, patch.category_ids);
        if (suspended !== undefined) fields.seller_suspended = suspended;
        await repo.updateProduct(tx, id, fields, ctx.now());
      },
      { handle: patch.handle },
      prelude,
    );
  }

  /** Whether products of `sellerId` are born hidden: its seller is suspended (read under a share lock, see the port). */
  private async sellerSuspended(tx: Queryable, sellerId: string | null): Promise<boolean> {
    return sellerId === null ? false : this.sellers.isSuspended(tx, sellerId);
  }

  /**
   * Hides (or shows again) every product of a seller from storefronts, in the caller's transaction
   * `tx` (the marketplace's status change). The products keep their status, and no `product.*`
   * event is emitted: the seller's `seller.updated` says what happened. Cached products and pages
   * are dropped in every process when `tx` commits. Returns how many products changed.
   */
  async setSellerSuspended(tx: Queryable, env: Environment, sellerId: string, suspended: boolean): Promise<number> {
    const ids = await repo.setSellerSuspended(tx, sellerId, suspended);
    if (ids.length === 0) return 0;
    // one notification for all of them: a seller may have thousands of products
    await InvalidationBus.publish(tx, env, 'product', '*');
    tx.afterCommit(() => this.deps.bus.deliver(env, 'product', '*'));
    return ids.length;
  }

  async remove(ctx: ServiceContext, id: string): Promise<void> {
    await ctx.db.transaction(async (tx) => {
      const before = presentProduct(await lockedProduct(tx, id, sellerOf(ctx)));
      await repo.deleteProduct(tx, id);
      await emit(tx, ctx, productDeletedEvents(before));
      await InvalidationBus.publish(tx, ctx.env, 'product', id);
    });
    this.deps.bus.deliver(ctx.env, 'product', id);
  }

  /** An operator's review of a listing: publish it, or reject it with a reason (`product.updated` either way). */
  async moderate(ctx: ServiceContext, id: string, input: ProductModerate): Promise<Product> {
    return this.write(ctx, id, 'change', async (tx, before) => void (await repo.updateProduct(tx, id, moderationOf(before!.status, input, ctx.now()), ctx.now())), {});
  }

  async addVariant(ctx: ServiceContext, productId: string, input: VariantInput): Promise<Product> {
    checkVariants([input], '');
    return this.write(
      ctx,
      productId,
      'change',
      async (tx) => {
        await repo.insertVariant(tx, productId, ctx.ids('var'), input, await repo.nextVariantPosition(tx, productId), ctx.now());
        await repo.refreshMinPrices(tx, productId);
      },
      { skus: [input.sku] },
    );
  }

  async updateVariant(ctx: ServiceContext, productId: string, variantId: string, patch: VariantPatch): Promise<Product> {
    const errors = checkPrices(patch.prices, '/prices');
    if (errors[0]) throw new AppError(CatalogErrors.duplicateCurrency, errors[0].detail, errors);
    return this.write(
      ctx,
      productId,
      'change',
      async (tx) => {
        const { prices, ...fields } = patch;
        if (!(await repo.updateVariant(tx, productId, variantId, fields, ctx.now()))) {
          throw new AppError(CatalogErrors.variantNotFound, `Product ${productId} has no variant ${variantId}.`);
        }
        if (prices) await repo.replacePrices(tx, variantId, prices);
        await repo.refreshMinPrices(tx, productId);
      },
      { skus: patch.sku ? [patch.sku] : [] },
    );
  }

  async removeVariant(ctx: ServiceContext, productId: string, variantId: string): Promise<Product> {
    return this.write(
      ctx,
      productId,
      'change',
      async (tx) => {
        const { deleted, remaining } = await repo.deleteVariant(tx, productId, variantId);
        if (!deleted) throw new AppError(CatalogErrors.variantNotFound, `Product ${productId} has no variant ${variantId}.`);
        if (remaining === 0) throw new AppError(CatalogErrors.lastVariant, 'A product keeps at least one variant; delete the product instead.');
        await repo.refreshMinPrices(tx, productId);
      },
      {},
    );
  }
}
