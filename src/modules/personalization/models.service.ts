import type { Queryable } from '../../platform/db/database.js';
import { InvalidationBus, type InvalidationHandler } from '../../platform/db/invalidation.js';
import { emit } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { toList, type List, type ListParams } from '../../platform/http/pagination.js';
import { buildSnapshot, productCategories, signalProducts, type BuildParams, type BuildWindow } from './models.build.js';
import { evaluateSnapshot, holdoutCutoff, type ModelMetrics } from './models.evaluate.js';
import * as repo from './models.repo.js';
import type { RecommendationModel } from './models.schemas.js';
import { PersonalizationErrors } from './personalization.errors.js';

/** How many model versions are kept (the active one always is). */
export const KEEP_VERSIONS = 10;

/** The invalidation topic a model activation publishes (key: the model id), in every process. */
export const MODEL_ACTIVATED_TOPIC = 'recommendation_model';

/** What the model build needs of the catalog: the category ids of products (absent products have none). */
export interface CatalogCategoriesPort {
  categoriesOf(ctx: ServiceContext, productIds: readonly string[]): Promise<Map<string, string[]>>;
}

export function presentModel(r: repo.ModelRow): RecommendationModel {
  return {
    id: r.id,
    object: 'recommendation_model',
    version: r.version,
    status: r.status,
    created_at: r.created_at.toISOString(),
    built_at: r.built_at?.toISOString() ?? null,
    activated_at: r.activated_at?.toISOString() ?? null,
    params: r.params,
    metrics: r.metrics,
    counts: r.counts,
    error: r.error,
  };
}

/**
 * Recommendation model snapshots: built from the signals (set-based SQL, models.build.ts),
 * evaluated offline on a time-based hold-out, versioned, immutable once ready; one is active.
 */
export class ModelsService {
  constructor(
    private readonly deps: { bus: InvalidationBus; params: BuildParams; catalog: CatalogCategoriesPort },
  ) {}

  /**
   * Registers `handler` for activations: called in this process at once after the activation
   * commits, and in every other process through the invalidation bus (also on a lost connection, via `flushAll`).
   */
  onActivated(handler: InvalidationHandler, flushAll: () => void = () => {}): void {
    this.deps.bus.on(MODEL_ACTIVATED_TOPIC, handler, flushAll);
  }

  /**
   * Builds a new version from the signals of the last `lookback_days`, evaluates it and, unless
   * `activate` is false, activates it. The `building` row is visible while it runs; a failure
   * leaves it `failed` with the error.
   */
  async refresh(ctx: ServiceContext, opts: { activate?: boolean } = {}): Promise<RecommendationModel> {
    const now = ctx.now();
    const p = this.deps.params;
    const window: BuildWindow = { since: new Date(now.getTime() - p.lookback_days * 86_400_000), until: now };
    const created = await ctx.db.transaction(async (tx) => {
      await repo.lockModels(tx);
      return repo.insertModel(tx, ctx.ids('rmod'), { ...p, as_of: now.toISOString() }, now);
    });
    try {
      const products = await signalProducts(ctx.db, window);
      const cats = productCategories(products.length ? await this.deps.catalog.categoriesOf(ctx, products) : new Map());
      const built = await ctx.db.transaction(async (tx) => {
        const metrics = await this.evaluate(tx, created.id, window, cats);
        const rows = await buildSnapshot(tx, created.id, window, cats, p);
        const counts = { signals: await repo.countSignals(tx, window.since, window.until), products: products.length, ...rows };
        await repo.finishModel(tx, created.id, { status: 'ready', built_at: ctx.now(), metrics, counts });
        if (opts.activate === false) return (await repo.findModel(tx, created.id))!;
        return this.activateIn(tx, ctx, created.id);
      });
      // older versions go, snapshot and all: the newest KEEP_VERSIONS (and the active one) stay for rollback
      await ctx.db.transaction(async (tx) => (await repo.lockModels(tx), repo.pruneModels(tx, KEEP_VERSIONS)));
      return presentModel(built);
    } catch (err) {
      await repo.finishModel(ctx.db, created.id, { status: 'failed', built_at: ctx.now(), error: err instanceof Error ? err.message.slice(0, 500) : String(err) });
      throw err;
    }
  }

  /**
   * The scheduled refresh: builds and activates a new version only when signals arrived since
   * the newest built one started (with none, a rebuild would only decay every score by the same
   * factor: the same rankings). Returns undefined when it built nothing.
   */
  async refreshIfNew(ctx: ServiceContext): Promise<RecommendationModel | undefined> {
    const latest = await repo.latestBuilt(ctx.db);
    if (!(await repo.signalsSince(ctx.db, latest?.created_at ?? new Date(0)))) return undefined;
    return this.refresh(ctx);
  }

  /**
   * The offline evaluation: a snapshot of the signals before the hold-out cutoff, built under a
   * savepoint, scored against the purchases after it, then rolled back.
   */
  private async evaluate(tx: Queryable, modelId: string, window: BuildWindow, cats: ReturnType<typeof productCategories>): Promise<ModelMetrics> {
    const p = this.deps.params;
    const cutoff = await holdoutCutoff(tx, window.since, window.until, p.holdout_fraction);
    if (!cutoff) return { k: 10, cutoff: null, precision_at_10: 0, recall_at_10: 0, popularity_precision_at_10: 0, popularity_recall_at_10: 0, holdout_purchases: 0, holdout_subjects: 0 };
    await tx.query('SAVEPOINT model_evaluation');
    try {
      const evalId = `${modelId}_eval`;
      await buildSnapshot(tx, evalId, { since: window.since, until: cutoff }, cats, p);
      return await evaluateSnapshot(tx, evalId, window.since, cutoff, window.until);
    } finally {
      await tx.query('ROLLBACK TO SAVEPOINT model_evaluation');
    }
  }

  async get(ctx: ServiceContext, id: string): Promise<RecommendationModel> {
    const row = await repo.findModel(ctx.db, id);
    if (!row) throw new AppError(PersonalizationErrors.modelNotFound, `No recommendation model ${id}.`);
    return presentModel(row);
  }

  /** The active model, if any. */
  async active(ctx: Pick<ServiceContext, 'db'>): Promise<RecommendationModel | undefined> {
    const row = await repo.activeModel(ctx.db);
    return row ? presentModel(row) : undefined;
  }

  /** The newest built model (ready, active or retired), if any. */
  async latest(ctx: Pick<ServiceContext, 'db'>): Promise<RecommendationModel | undefined> {
    const row = await repo.latestBuilt(ctx.db);
    return row ? presentModel(row) : undefined;
  }

  async list(ctx: ServiceContext, params: ListParams): Promise<List<RecommendationModel>> {
    const before = params.starting_after === undefined ? undefined : Number(params.starting_after);
    const rows = await repo.pageModels(ctx.db, Number.isInteger(before) ? before : undefined, params.limit + 1);
    return toList(rows.map(presentModel), params.limit, (m) => String(m.version));
  }

  /** Makes `id` the active model, atomically retiring the one before (kept for rollback). */
  async activate(ctx: ServiceContext, id: string): Promise<RecommendationModel> {
    return presentModel(await ctx.db.transaction((tx) => this.activateIn(tx, ctx, id)));
  }

  /** Reactivates the model active before the current one. */
  async rollback(ctx: ServiceContext): Promise<RecommendationModel> {
    return presentModel(
      await ctx.db.transaction(async (tx) => {
        await repo.lockModels(tx);
        const current = await repo.activeModel(tx);
        const previous = current ? await repo.previousActivated(tx, current.version) : undefined;
        if (!previous) throw new AppError(PersonalizationErrors.noPreviousModel, current ? `No model was active before version ${current.version}.` : 'No model is active.');
        return this.activateIn(tx, ctx, previous.id);
      }),
    );
  }

  private async activateIn(tx: Queryable, ctx: ServiceContext, id: string): Promise<repo.ModelRow> {
    await repo.lockModels(tx);
    const model = await repo.findModel(tx, id, true);
    if (!model) throw new AppError(PersonalizationErrors.modelNotFound, `No recommendation model ${id}.`);
    if (model.status === 'active') return model;
    if (model.status !== 'ready' && model.status !== 'retired') throw new AppError(PersonalizationErrors.modelNotReady, `Model ${id} is ${model.status}; only a built model can be activated.`);
    const active = await repo.swapActive(tx, id, ctx.now());
    await emit(tx, ctx, { type: 'recommendation_model.activated', object: presentModel(active) });
    await InvalidationBus.publish(tx, ctx.env, MODEL_ACTIVATED_TOPIC, id);
    tx.afterCommit(() => this.deps.bus.deliver(ctx.env, MODEL_ACTIVATED_TOPIC, id));
    return active;
  }
}
