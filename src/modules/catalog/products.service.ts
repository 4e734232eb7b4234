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

export function presentProduct(row: repo.ProductRow): Product {
  return {
    id: row.id,
    object: 'product',
    title: row.title,
    handle: row.handle,
    description: row.description,
    status: row.status,
    brand: row.brand,
    category_ids: row.category_ids,
    attributes: row.attributes,
    images: row.images,
    seller_id: row.seller_id,
    moderation_reason: row.moderation_reason,
    moderated_at: row.moderated_at ? new Date(row.moderated_at).toISOString() : null,
    metadata: row.metadata,
    variants: row.variants.map((v) => ({ ...v, object: 'variant' as const })),
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/** Locks a product and reads it; 404 when there is none, or when it is another seller's. */
async function lockedProduct(tx: Queryable, id: string, seller: string | null = null): Promise<repo.ProductRow> {
  const row = await repo.lockProduct(tx, id);
  if (!row || !visibleTo(seller, row)) throw new AppError(CatalogErrors.productNotFound, `No product ${id}.`);
  return row;
}

/** Publishable keys (storefronts) see published products only. */
export function publishedOnly(ctx: ServiceContext): boolean {
  return ctx.actor?.type === 'publishable';
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
  ) {
    this.cache = new ProductCache(deps.config.productCacheSize, (env, id) => this.loadForCache(env, id), deps.bus, deps.metrics);
    this.pages = new PageCache('product_list', { max: 1000, maxSize: 10_000, sizeOf: (page) => page.data.length + 1 }, deps.bus, deps.metrics);
  }

  private async loadForCache(env: Environment, id: string): Promise<CachedProduct | undefined> {
    const row = (await repo.loadProducts(this.deps.db.forEnv(env), [id]))[0];
    if (!row) return undefined;
    return {
      product: presentProduct(row),
      segment: await this.categories.segmentOf(env, row.category_ids),
      surrogateKeys: [`product-${row.id}`, ...row.category_paths.map((c) => `category-${c}`)],
    };
  }

  /** The read path: one product from the in-process cache. 404 when absent or hidden from the caller. */
  async get(ctx: ServiceContext, id: string): Promise<CachedProduct> {
    const cached = await this.cache.get(ctx.env, id);
    if (!cached || (publishedOnly(ctx) && cached.product.status !== 'published') || !visibleTo(sellerOf(ctx), cached.product)) {
      throw new AppError(CatalogErrors.productNotFound, `No product ${id}.`);
    }
    return cached;
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
      return toList(rows.map(presentProduct), q.limit, (p) => p.id);
    });
  }

  /** Loads products by id, keeping the given order (search results). */
  async loadMany(ctx: ServiceContext, ids: readonly string[]): Promise<Product[]> {
    const rows = await repo.loadProducts(ctx.db, ids);
    const byId = new Map(rows.map((r) => [r.id, presentProduct(r)]));
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
  ): Promise<Product> {
    const seller = sellerOf(ctx);
    const product = await ctx.db
      .transaction(async (tx) => {
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
    return this.write(
      ctx,
      id,
      'change',
      async (tx) => {
        const fields: Partial<repo.ProductWrite> = { ...patch };
        if (patch.category_ids) fields.category_paths = await categoryPaths(tx, patch.category_ids);
        await repo.updateProduct(tx, id, fields, ctx.now());
      },
      { handle: patch.handle },
    );
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
