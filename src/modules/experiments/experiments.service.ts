import type { Environment, Queryable } from '../../platform/db/database.js';
import { InvalidationBus } from '../../platform/db/invalidation.js';
import { emit, previousAttributes } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import type { ModuleDeps } from '../../platform/http/module.js';
import { toList, type List } from '../../platform/http/pagination.js';
import { bucket } from './experiments.bucket.js';
import { ExperimentErrors } from './experiments.errors.js';
import type { ExposureLog } from './experiments.exposures.js';
import * as repo from './experiments.repo.js';
import type { Experiment, ExperimentCreate, ExperimentListQuery, ExperimentPatch, ExperimentResults, Strategy, Variant } from './experiments.schemas.js';
import { variantResults } from './experiments.stats.js';

/** The experiment a recommendation request is in: what `experimentFor` answers and `expose` takes. */
export interface Assignment {
  experimentId: string;
  key: string;
  variant: string;
  strategy: Strategy;
}

export function presentExperiment(r: repo.ExperimentRow): Experiment {
  return {
    id: r.id,
    object: 'experiment',
    key: r.key,
    name: r.name,
    slot: r.slot,
    status: r.status,
    variants: r.variants,
    started_at: r.started_at?.toISOString() ?? null,
    stopped_at: r.stopped_at?.toISOString() ?? null,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

function checkVariants(variants: readonly Variant[]): void {
  const keys = variants.map((v) => v.key);
  const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
  if (duplicate) throw new AppError(ExperimentErrors.invalidExperiment, `Variant key ${duplicate} appears twice.`, [{ detail: 'Duplicate variant key.', pointer: '/variants' }]);
  if (!variants.some((v) => v.weight > 0)) throw new AppError(ExperimentErrors.invalidExperiment, 'The variant weights must sum to more than 0.', [{ detail: 'All weights are 0.', pointer: '/variants' }]);
}

const TRANSITIONS: Record<string, readonly string[]> = { draft: ['running', 'stopped'], running: ['stopped'], stopped: [] };

function writeErrors(err: unknown, input: { key?: string; slot?: string }): never {
  const e = err as { code?: string; constraint?: string };
  if (e.code === '23505' && e.constraint === 'experiments_key_key') throw new AppError(ExperimentErrors.experimentKeyTaken, `An experiment ${input.key ?? ''} already exists.`, [{ detail: 'Key taken.', pointer: '/key' }]);
  if (e.code === '23505' && e.constraint === 'experiments_running_slot') throw new AppError(ExperimentErrors.slotTaken, `Another experiment is already running on slot ${input.slot ?? ''}; stop it first.`, [{ detail: 'Slot taken.', pointer: '/slot' }]);
  throw err;
}

/**
 * A/B experiments on recommendation slots: operator CRUD (`experiment.*` events), assignment of a
 * subject to a variant (deterministic, cached running set), exposure logging, the subject's
 * assignments for order attribution, the `order.created` subscriber that records conversions,
 * and per-variant results.
 */
export class ExperimentsService {
  /** The running experiments per environment, by slot; dropped on any experiment write in any process. */
  private readonly running = new Map<Environment, Promise<Map<string, repo.ExperimentRow>>>();

  constructor(
    private readonly deps: Pick<ModuleDeps, 'bus' | 'now'>,
    private readonly exposures: ExposureLog,
  ) {
    deps.bus.on('experiment', (env) => this.running.delete(env), () => this.running.clear());
  }

  async get(ctx: ServiceContext, id: string): Promise<Experiment> {
    return presentExperiment(await this.find(ctx.db, id));
  }

  async list(ctx: ServiceContext, q: ExperimentListQuery): Promise<List<Experiment>> {
    const rows = await repo.pageExperiments(ctx.db, { after: q.starting_after, limit: q.limit + 1, status: q.status, slot: q.slot });
    return toList(rows.map(presentExperiment), q.limit, (e) => e.id);
  }

  async create(ctx: ServiceContext, input: ExperimentCreate): Promise<Experiment> {
    checkVariants(input.variants);
    const status = input.status ?? 'draft';
    const now = ctx.now();
    const write: repo.ExperimentWrite = { name: input.name ?? '', slot: input.slot, status, variants: input.variants, started_at: status === 'running' ? now : null, stopped_at: null };
    const row = await this.write(ctx, async (tx) => {
      const created = await repo.insertExperiment(tx, ctx.ids('exp'), input.key, write, now);
      await emit(tx, ctx, { type: 'experiment.created', object: presentExperiment(created) });
      return created;
    }).catch((err: unknown) => writeErrors(err, input));
    return presentExperiment(row);
  }

  async update(ctx: ServiceContext, id: string, patch: ExperimentPatch): Promise<Experiment> {
    const row = await this.write(ctx, async (tx) => {
      const current = await this.find(tx, id, true);
      if ((patch.slot !== undefined && patch.slot !== current.slot) || patch.variants !== undefined) {
        if (current.status !== 'draft') throw new AppError(ExperimentErrors.invalidExperiment, `Slot and variants change only while the experiment is a draft; it is ${current.status}.`, [{ detail: 'Not a draft.', pointer: patch.variants ? '/variants' : '/slot' }]);
      }
      if (patch.variants) checkVariants(patch.variants);
      const fields: Partial<repo.ExperimentWrite> = { name: patch.name, slot: patch.slot, variants: patch.variants };
      if (patch.status !== undefined && patch.status !== current.status) {
        if (!TRANSITIONS[current.status]?.includes(patch.status)) throw new AppError(ExperimentErrors.invalidExperiment, `An experiment cannot go from ${current.status} to ${patch.status}.`, [{ detail: 'Invalid transition.', pointer: '/status' }]);
        fields.status = patch.status;
        if (patch.status === 'running') fields.started_at = ctx.now();
        if (patch.status === 'stopped') fields.stopped_at = ctx.now();
      }
      const updated = await repo.updateExperiment(tx, id, fields, ctx.now());
      const after = presentExperiment(updated);
      const previous = previousAttributes(presentExperiment(current), after);
      if (Object.keys(previous).length) await emit(tx, ctx, { type: 'experiment.updated', object: after, previous });
      return updated;
    }).catch((err: unknown) => writeErrors(err, { slot: patch.slot ?? '' }));
    return presentExperiment(row);
  }

  /** Deletes an experiment that is not running, with its exposures and conversions. */
  async remove(ctx: ServiceContext, id: string): Promise<void> {
    await this.write(ctx, async (tx) => {
      const current = await this.find(tx, id, true);
      if (current.status === 'running') throw new AppError(ExperimentErrors.experimentRunning, `Experiment ${id} is running; stop it first.`);
      await repo.deleteExperiment(tx, id);
      await emit(tx, ctx, { type: 'experiment.deleted', object: { id, object: 'experiment', deleted: true } });
    });
  }

  /**
   * The running experiment on `slot` and the variant `subject` falls in, or null. No query on a
   * warm cache: for the recommendations hot path.
   * @example const a = await experiments.experimentFor(ctx, 'product_page', 'cus_1'); if (a) { strategy = a.strategy; await experiments.expose(ctx, a, 'cus_1'); }
   */
  async experimentFor(ctx: Pick<ServiceContext, 'env' | 'db'>, slot: string, subject: string): Promise<Assignment | null> {
    const experiment = (await this.runningBySlot(ctx.env, ctx.db)).get(slot);
    if (!experiment) return null;
    const variant = bucket(experiment.key, subject, experiment.variants);
    return variant ? { experimentId: experiment.id, key: experiment.key, variant: variant.key, strategy: variant.strategy } : null;
  }

  /**
   * Logs that `subject` was served `variant` of the running experiment `key` (queued and written in
   * batches; the first exposure wins). An experiment no longer running logs nothing.
   */
  async expose(ctx: Pick<ServiceContext, 'env' | 'db' | 'now'>, assignment: { key: string; variant: string }, subject: string): Promise<void> {
    const experiment = [...(await this.runningBySlot(ctx.env, ctx.db)).values()].find((e) => e.key === assignment.key);
    if (!experiment || !experiment.variants.some((v) => v.key === assignment.variant)) return;
    this.exposures.record(ctx.env, { experimentId: experiment.id, subject, variant: assignment.variant, at: ctx.now() });
  }

  /** `{ experiment key: variant }` of the running experiments `subject` was exposed to, read in `tx` (checkout's). */
  async assignments(env: Environment, tx: Queryable, subject: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    const running = await this.runningBySlot(env, tx);
    // no running experiment (the usual case): no query on checkout's path
    if (!running.size) return out;
    for (const row of await repo.assignmentsOf(tx, subject)) out[row.key] = row.variant;
    const keys = new Map([...running.values()].map((e) => [e.id, e.key]));
    for (const p of this.exposures.pending(env, subject)) {
      const key = keys.get(p.experimentId);
      if (key && !(key in out)) out[key] = p.variant;
    }
    return out;
  }

  /** Per-variant exposures, conversions, AOV, revenue per exposure and p-value against the control. */
  async results(ctx: ServiceContext, id: string, currency?: string): Promise<ExperimentResults> {
    const experiment = await this.find(ctx.db, id);
    const cur = currency ?? (await repo.mainCurrency(ctx.db, id));
    const counts = new Map((await repo.variantCounts(ctx.db, id, cur)).map((c) => [c.variant, c]));
    const ordered = experiment.variants.map((v) => counts.get(v.key) ?? { variant: v.key, exposures: 0, conversions: 0, orders: 0, revenue: 0 });
    const results = variantResults(ordered);
    return {
      object: 'experiment_results',
      experiment_id: id,
      key: experiment.key,
      status: experiment.status,
      currency: cur,
      variants: results.map((r, i) => ({ ...r, strategy: experiment.variants[i]?.strategy ?? '' })),
    };
  }

  private async find(db: Queryable, id: string, forUpdate = false): Promise<repo.ExperimentRow> {
    const row = await repo.findExperiment(db, id, forUpdate);
    if (!row) throw new AppError(ExperimentErrors.experimentNotFound, `No experiment ${id}.`);
    return row;
  }

  private runningBySlot(env: Environment, db: Queryable): Promise<Map<string, repo.ExperimentRow>> {
    let entry = this.running.get(env);
    if (!entry) {
      entry = repo.runningExperiments(db).then((rows) => new Map(rows.map((r) => [r.slot, r])));
      entry.catch(() => this.running.delete(env));
      this.running.set(env, entry);
    }
    return entry;
  }

  /** A write that drops the cached running experiments here at once and in other processes on commit. */
  private async write<T>(ctx: ServiceContext, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const result = await ctx.db.transaction(async (tx) => {
      const out = await fn(tx);
      await InvalidationBus.publish(tx, ctx.env, 'experiment', '*');
      return out;
    });
    this.deps.bus.deliver(ctx.env, 'experiment', '*');
    return result;
  }
}
