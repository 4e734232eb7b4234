import type { EnvDb } from '../../platform/db/database.js';
import type { IdGenerator } from '../../platform/crypto/ids.js';
import { scopeCovers } from '../../platform/http/auth.js';
import type { Credential } from '../../platform/http/context.js';
import { AppError, Errors, type FieldError } from '../../platform/http/errors.js';
import { toList, type List } from '../../platform/http/pagination.js';
import { tierProblems } from './billing.tiers.js';
import { BillingErrors } from './billing.errors.js';
import * as repo from './plans.repo.js';
import { METERS, type CreatePlanInput, type PartnerPlan, type Plan } from './plans.schemas.js';

/** What billing needs of the developers module (filled in composition.ts): whether a partner exists. */
export interface PartnersPort {
  exists(partnerId: string): Promise<boolean>;
}

/**
 * Billing's operator routes act on platform accounts: a live-mode credential with `scope`, not a
 * partner's token nor a seller's key.
 */
export function operatorOnly(caller: Credential | null, scope: string): void {
  if (!caller || caller.partnerId || caller.sellerId) throw new AppError(BillingErrors.liveModeRequired, 'Only the operator (a live-mode secret key) may do this.');
  if (caller.env !== 'live') throw new AppError(BillingErrors.liveModeRequired, 'Plans and usage are platform accounts: use a live-mode key.');
  if (!scopeCovers(caller.scopes, scope)) throw new AppError(Errors.insufficientScope, `This key lacks the scope ${scope}.`);
}

export function presentPlan(row: repo.PlanRow): Plan {
  return { id: row.id, object: 'plan', name: row.name, currency: row.currency, meters: row.meters, default: row.id === repo.DEFAULT_PLAN_ID, created_at: row.created_at.toISOString() };
}

/** Plans (immutable once created) and the plan of each partner; the default plan serves partners without one. */
export class PlansService {
  constructor(
    private readonly home: EnvDb,
    private readonly partners: PartnersPort,
    private readonly now: () => Date,
  ) {}

  async create(ids: IdGenerator, input: CreatePlanInput): Promise<Plan> {
    const errors: FieldError[] = [];
    for (const meter of METERS) {
      const m = input.meters[meter];
      for (const problem of tierProblems(m)) errors.push({ detail: problem, pointer: `/meters/${meter}/tiers` });
      if (m.hard_cap !== null && m.soft_threshold !== null && m.soft_threshold > m.hard_cap) errors.push({ detail: 'soft_threshold must not exceed hard_cap', pointer: `/meters/${meter}/soft_threshold` });
    }
    if (errors.length) throw new AppError(BillingErrors.invalidPlan, errors.map((e) => `${e.pointer}: ${e.detail}.`).join(' '), errors);
    return presentPlan(await repo.insertPlan(this.home, { id: ids('plan'), name: input.name, currency: input.currency, meters: input.meters, created_at: this.now() }));
  }

  async get(id: string): Promise<Plan> {
    const row = await repo.findPlan(this.home, id);
    if (!row) throw new AppError(BillingErrors.planNotFound, `No plan ${id}.`);
    return presentPlan(row);
  }

  async list(after: string | undefined, limit: number): Promise<List<Plan>> {
    return toList((await repo.pagePlans(this.home, after, limit + 1)).map(presentPlan), limit, (p) => p.id);
  }

  /** Each partner's plan (the default plan for partners without one). */
  async plansOf(partnerIds: readonly string[]): Promise<Map<string, Plan>> {
    const rows = await repo.plansOf(this.home, partnerIds);
    return new Map([...rows].map(([id, row]) => [id, presentPlan(row)]));
  }

  partnerExists(partnerId: string): Promise<boolean> {
    return this.partners.exists(partnerId);
  }

  /** Assigns a plan to a partner, from now on (the current period's caps change at once). */
  async assign(partnerId: string, planId: string): Promise<PartnerPlan> {
    if (!(await this.partners.exists(partnerId))) throw new AppError(BillingErrors.partnerNotFound, `No partner ${partnerId}.`);
    if (!(await repo.findPlan(this.home, planId))) throw new AppError(BillingErrors.planNotFound, `No plan ${planId}.`, [{ detail: 'Unknown plan.', pointer: '/plan_id' }]);
    const row = await repo.assignPlan(this.home, partnerId, planId, this.now());
    return { object: 'partner_plan', partner_id: row.partner_id, plan_id: row.plan_id, assigned_at: row.assigned_at.toISOString() };
  }
}
