import type { Environment } from '../../platform/db/database.js';
import { InvalidationBus } from '../../platform/db/invalidation.js';
import { emit } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { toList, type List } from '../../platform/http/pagination.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { CatalogErrors } from './catalog.errors.js';
import { categoryUpdatedEvents } from './catalog.events.js';
import { slugify, uniqueViolation } from './catalog.rules.js';
import type { Category, CategoryCreate, CategoryPatch } from './catalog.schemas.js';
import * as repo from './categories.repo.js';

export function presentCategory(row: repo.CategoryRow): Category {
  return {
    id: row.id,
    object: 'category',
    name: row.name,
    handle: row.handle,
    parent_id: row.parent_id,
    path: row.path,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/**
 * The category tree. Each category stores its path from the root, so "this category and its
 * descendants" is one array-containment test, and each product stores the union of its categories'
 * paths. Moving a subtree rewrites both in one transaction.
 */
export class CategoriesService {
  /** The whole tree per environment, for segment lookups on the read path; dropped on any write. */
  private readonly snapshots = new Map<Environment, Promise<Map<string, repo.CategoryRow>>>();

  constructor(private readonly deps: Pick<ModuleDeps, 'db' | 'bus'>) {
    deps.bus.on('category', (env) => this.snapshots.delete(env), () => this.snapshots.clear());
  }

  /** All categories of `env` by id, cached in process. */
  snapshot(env: Environment): Promise<Map<string, repo.CategoryRow>> {
    let s = this.snapshots.get(env);
    if (!s) {
      s = repo.allCategories(this.deps.db.forEnv(env)).then((rows) => new Map(rows.map((r) => [r.id, r])));
      s.catch(() => this.snapshots.delete(env));
      this.snapshots.set(env, s);
    }
    return s;
  }

  /** The cache segment of a product: the handle of its first category's root. */
  async segmentOf(env: Environment, categoryIds: readonly string[]): Promise<string | undefined> {
    const first = categoryIds[0];
    if (!first) return undefined;
    const tree = await this.snapshot(env);
    const root = tree.get(first)?.path[0];
    return root ? tree.get(root)?.handle : undefined;
  }

  async get(ctx: ServiceContext, id: string): Promise<Category> {
    const row = (await repo.findCategories(ctx.db, [id]))[0];
    if (!row) throw new AppError(CatalogErrors.categoryNotFound, `No category ${id}.`);
    return presentCategory(row);
  }

  async list(ctx: ServiceContext, q: { limit: number; starting_after?: string; parent_id?: string }): Promise<List<Category>> {
    const parent = q.parent_id === undefined ? undefined : q.parent_id === 'root' ? null : q.parent_id;
    const rows = await repo.pageCategories(ctx.db, q.starting_after, q.limit + 1, parent);
    return toList(rows.map(presentCategory), q.limit, (c) => c.id);
  }

  async create(ctx: ServiceContext, input: CategoryCreate): Promise<Category> {
    const id = ctx.ids('cat');
    const handle = input.handle ?? slugify(input.name);
    const row = await ctx.db
      .transaction(async (tx) => {
        let path = [id];
        if (input.parent_id) {
          const parent = (await repo.findCategories(tx, [input.parent_id], 'share'))[0];
          if (!parent) throw new AppError(CatalogErrors.unknownCategory, `No category ${input.parent_id}.`, [{ detail: 'Unknown parent.', pointer: '/parent_id' }]);
          path = [...parent.path, id];
        }
        const created = await repo.insertCategory(tx, { id, parent_id: input.parent_id ?? null, name: input.name, handle, path }, ctx.now());
        await emit(tx, ctx, { type: 'category.created', object: presentCategory(created) });
        await InvalidationBus.publish(tx, ctx.env, 'category', id);
        return created;
      })
      .catch((err: unknown) => uniqueViolation(err, { handle }));
    this.deps.bus.deliver(ctx.env, 'category', id);
    return presentCategory(row);
  }

  /**
   * Renames or moves a category; a move rewrites the subtree's paths and its products' paths.
   * Returns the product ids touched. Emits `category.updated` for the category and, on a move,
   * for each descendant (its `path` changed); products get no event, as `category_paths` is not
   * part of a product's API object.
   */
  async update(ctx: ServiceContext, id: string, patch: CategoryPatch): Promise<{ category: Category; touchedProducts: string[] }> {
    const result = await ctx.db
      .transaction(async (tx) => {
        const current = (await repo.findCategories(tx, [id], 'update'))[0];
        if (!current) throw new AppError(CatalogErrors.categoryNotFound, `No category ${id}.`);
        await repo.updateCategory(tx, id, patch, ctx.now());
        let touched: string[] = [];
        let moved: { before: Category; after: Category }[] = [];
        if (patch.parent_id !== undefined && patch.parent_id !== current.parent_id) {
          let newPath = [id];
          if (patch.parent_id !== null) {
            const parent = (await repo.findCategories(tx, [patch.parent_id], 'share'))[0];
            if (!parent) throw new AppError(CatalogErrors.unknownCategory, `No category ${patch.parent_id}.`, [{ detail: 'Unknown parent.', pointer: '/parent_id' }]);
            if (parent.path.includes(id)) throw new AppError(CatalogErrors.categoryCycle, `Category ${id} cannot move under its own descendant ${parent.id}.`, [{ detail: 'Cycle.', pointer: '/parent_id' }]);
            newPath = [...parent.path, id];
          }
          const descendants = (await repo.subtree(tx, id)).filter((c) => c.id !== id);
          const after = new Map((await repo.movePaths(tx, id, newPath)).map((c) => [c.id, c]));
          moved = descendants.flatMap((c) => {
            const row = after.get(c.id);
            return row ? [{ before: presentCategory(c), after: presentCategory(row) }] : [];
          });
          touched = await repo.refreshProductPaths(tx, id);
          await InvalidationBus.publish(tx, ctx.env, 'product', '*');
        }
        await InvalidationBus.publish(tx, ctx.env, 'category', id);
        const category = presentCategory((await repo.findCategories(tx, [id]))[0]!);
        await emit(tx, ctx, categoryUpdatedEvents([{ before: presentCategory(current), after: category }, ...moved]));
        return { category, touchedProducts: touched };
      })
      .catch((err: unknown) => uniqueViolation(err, { handle: patch.handle }));
    this.deps.bus.deliver(ctx.env, 'category', id);
    if (result.touchedProducts.length) this.deps.bus.deliver(ctx.env, 'product', '*');
    return result;
  }

  /** Deletes an empty category: one with no subcategories and no products under it. */
  async remove(ctx: ServiceContext, id: string): Promise<void> {
    await ctx.db.transaction(async (tx) => {
      const current = (await repo.findCategories(tx, [id], 'update'))[0];
      if (!current) throw new AppError(CatalogErrors.categoryNotFound, `No category ${id}.`);
      const children = await repo.countChildren(tx, id);
      const products = await repo.countProductsUnder(tx, id);
      if (children || products) {
        throw new AppError(CatalogErrors.categoryInUse, `Category ${id} has ${children} subcategories and ${products} products; move or delete them first.`);
      }
      await repo.deleteCategory(tx, id);
      await emit(tx, ctx, { type: 'category.deleted', object: { id, object: 'category', deleted: true } });
      await InvalidationBus.publish(tx, ctx.env, 'category', id);
    });
    this.deps.bus.deliver(ctx.env, 'category', id);
  }
}
