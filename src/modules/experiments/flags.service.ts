import type { Queryable } from '../../platform/db/database.js';
import { emit, previousAttributes } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import { toList, type List } from '../../platform/http/pagination.js';
import { ExperimentErrors } from './experiments.errors.js';
import { evaluateFlag, type FlagRule } from './flags.evaluate.js';
import * as repo from './flags.repo.js';
import type { Flag, FlagCreate, FlagEvaluate, FlagEvaluation, FlagListQuery, FlagPatch } from './flags.schemas.js';

function presentFlag(r: repo.FlagRow): Flag {
  return {
    id: r.id,
    object: 'flag',
    key: r.key,
    description: r.description,
    enabled: r.enabled,
    rollout: r.rollout,
    rules: r.rules,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

const rulesOf = (rules: readonly { attribute: string; operator: 'in' | 'not_in'; values: string[]; rollout?: number }[]): FlagRule[] => rules.map((r) => ({ ...r, rollout: r.rollout ?? 100 }));

function notFound(key: string): AppError {
  return new AppError(ExperimentErrors.flagNotFound, `No flag ${key}.`);
}

/** Feature flags: operator CRUD by key (with `flag.*` events) and evaluation of every flag for one subject. */
export class FlagsService {
  async get(ctx: ServiceContext, key: string): Promise<Flag> {
    const row = await repo.findFlag(ctx.db, key);
    if (!row) throw notFound(key);
    return presentFlag(row);
  }

  async list(ctx: ServiceContext, q: FlagListQuery): Promise<List<Flag>> {
    const rows = await repo.pageFlags(ctx.db, { after: q.starting_after, limit: q.limit + 1 });
    return toList(rows.map(presentFlag), q.limit, (f) => f.key);
  }

  async create(ctx: ServiceContext, input: FlagCreate): Promise<Flag> {
    const write: repo.FlagWrite = { description: input.description ?? '', enabled: input.enabled ?? false, rollout: input.rollout ?? 100, rules: rulesOf(input.rules ?? []) };
    const row = await ctx.db
      .transaction(async (tx) => {
        const created = await repo.insertFlag(tx, ctx.ids('flag'), input.key, write, ctx.now());
        await emit(tx, ctx, { type: 'flag.created', object: presentFlag(created) });
        return created;
      })
      .catch((err: unknown) => {
        const e = err as { code?: string; constraint?: string };
        if (e.code === '23505' && e.constraint === 'flags_key_key') throw new AppError(ExperimentErrors.flagKeyTaken, `A flag ${input.key} already exists.`, [{ detail: 'Key taken.', pointer: '/key' }]);
        throw err;
      });
    return presentFlag(row);
  }

  async update(ctx: ServiceContext, key: string, patch: FlagPatch): Promise<Flag> {
    const { rules, ...rest } = patch;
    const fields: Partial<repo.FlagWrite> = { ...rest, ...(rules ? { rules: rulesOf(rules) } : {}) };
    const row = await ctx.db.transaction(async (tx) => {
      const current = await this.locked(tx, key);
      const updated = await repo.updateFlag(tx, key, fields, ctx.now());
      const after = presentFlag(updated);
      const previous = previousAttributes(presentFlag(current), after);
      if (Object.keys(previous).length) await emit(tx, ctx, { type: 'flag.updated', object: after, previous });
      return updated;
    });
    return presentFlag(row);
  }

  async remove(ctx: ServiceContext, key: string): Promise<string> {
    return ctx.db.transaction(async (tx) => {
      const current = await this.locked(tx, key);
      await repo.deleteFlag(tx, key);
      await emit(tx, ctx, { type: 'flag.deleted', object: { id: current.id, object: 'flag', key, deleted: true } });
      return current.id;
    });
  }

  /** Every flag's value for one subject: one read of the flags, then the pure evaluator. */
  async evaluate(ctx: ServiceContext, input: FlagEvaluate): Promise<FlagEvaluation> {
    const attributes = input.attributes ?? {};
    const out: FlagEvaluation = { object: 'flag_evaluation', subject_id: input.subject_id, values: {}, reasons: {} };
    for (const flag of await repo.allFlags(ctx.db)) {
      const result = evaluateFlag(flag, input.subject_id, attributes);
      out.values[flag.key] = result.value;
      out.reasons[flag.key] = { reason: result.reason, rule: result.rule };
    }
    return out;
  }

  private async locked(tx: Queryable, key: string): Promise<repo.FlagRow> {
    const row = await repo.findFlag(tx, key, true);
    if (!row) throw notFound(key);
    return row;
  }
}
