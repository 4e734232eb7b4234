import { modeOf, type EnvDb, type Mode } from '../../platform/db/database.js';
import type { IdGenerator } from '../../platform/crypto/ids.js';
import type { Credential, ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import type { MeteredCall } from '../../platform/http/metering.js';
import { toList, type List } from '../../platform/http/pagination.js';
import { envelopes, notifyAfterCommit } from '../../platform/events/outbox.js';
import { BillingErrors } from './billing.errors.js';
import { periodEnd, periodOf, periodStart } from './invoices.periods.js';
import type { Plan } from './plans.schemas.js';
import { METERS } from './plans.schemas.js';
import { operatorOnly, type PlansService } from './plans.service.js';
import * as repo from './usage.repo.js';
import type { Usage, UsageQueryInput } from './usage.schemas.js';

/** The UTC calendar month of `at`: its name (`2026-11`) and bounds. */
function periodAt(at: Date): { period: string; start: Date; end: Date } {
  const period = periodOf(at);
  return { period, start: periodStart(period), end: periodEnd(period) };
}

/**
 * Usage metering: every partner call counts on `api_calls` and on its route's own meter, in one
 * statement before the handler runs; live-mode calls beyond the plan's hard cap are refused, and
 * a soft threshold emits `usage.threshold_reached` once per period. Test-mode calls are metered
 * and shown, never capped nor billed.
 */
export class UsageService {
  constructor(
    private readonly home: EnvDb,
    private readonly plans: PlansService,
    private readonly ids: IdGenerator,
    private readonly now: () => Date,
  ) {}

  async meter(call: MeteredCall): Promise<void> {
    const at = this.now();
    const { period, start, end } = periodAt(at);
    const env = modeOf(call.credential.env);
    const meters = call.meter && call.meter !== 'api_calls' ? ['api_calls', call.meter] : ['api_calls'];
    const live = env === 'live';
    const ctx: ServiceContext = { env: 'live', db: this.home, actor: call.credential, requestId: call.requestId, idempotencyKey: call.idempotencyKey, now: () => at, ids: this.ids };
    const outcomes = await repo.meterCall(this.home, {
      partnerId: call.credential.partnerId,
      env,
      period,
      // a retried POST (same Idempotency-Key, same OAuth client, the idempotency store's scope) is the same call
      id: call.idempotencyKey ? `idem:${call.credential.id}:${call.idempotencyKey}` : this.ids('use'),
      route: `${call.method} ${call.route}`,
      at,
      meters,
      enforce: live,
      thresholdEvents: live ? envelopes(ctx, meters.map((meter) => ({ type: 'usage.threshold_reached', object: { meter } }))) : [],
    });
    if (outcomes.some((o) => o.outcome === 'crossed')) notifyAfterCommit(this.home);
    const refused = outcomes.find((o) => o.outcome === 'refused');
    if (refused) throw quotaExceeded(refused.meter, Number(refused.cap), period, Math.max(1, Math.ceil((end.getTime() - at.getTime()) / 1000)), Math.round((end.getTime() - start.getTime()) / 1000));
  }

  /**
   * Deletes usage events older than `hours` (the counters keep the totals): past the idempotency
   * store's retention a key is new again anyway. For a periodic job; returns how many it deleted.
   */
  async pruneEvents(hours: number, batch = 10_000): Promise<number> {
    return repo.pruneEvents(this.home, new Date(this.now().getTime() - hours * 3_600_000), batch);
  }

  /** The current period's usage: a partner's own (its credential's environment), or for operators any partner's or all. */
  async current(caller: Credential, query: UsageQueryInput): Promise<List<Usage>> {
    const { period, start, end } = periodAt(this.now());
    let partnerIds: string[];
    let envs: readonly Mode[];
    if (caller.partnerId) {
      if (query.partner_id !== undefined && query.partner_id !== caller.partnerId) throw new AppError(BillingErrors.partnerNotFound, `No partner ${query.partner_id}.`);
      partnerIds = query.starting_after ? [] : [caller.partnerId];
      envs = [modeOf(caller.env)];
    } else {
      operatorOnly(caller, 'billing:read');
      envs = query.environment ? [query.environment] : ['live', 'test'];
      if (query.partner_id !== undefined && !(await this.plans.partnerExists(query.partner_id))) throw new AppError(BillingErrors.partnerNotFound, `No partner ${query.partner_id}.`);
      partnerIds = query.partner_id !== undefined ? (query.starting_after ? [] : [query.partner_id]) : await repo.partnersWithUsage(this.home, period, query.starting_after, query.limit + 1);
    }
    const page = partnerIds.slice(0, query.limit + 1);
    const [plans, rows] = await Promise.all([this.plans.plansOf(page), repo.countersOf(this.home, period, page)]);
    const usage: Usage[] = [];
    for (const partnerId of page) {
      const plan = plans.get(partnerId);
      if (!plan) continue;
      for (const env of envs) usage.push(summary(partnerId, env, plan, period, start, end, rows));
    }
    const list = toList(page, query.limit, (id) => id);
    const shown = new Set(list.data);
    return { ...list, data: usage.filter((u) => shown.has(u.partner_id)) };
  }
}

function summary(partnerId: string, env: Mode, plan: Plan, period: string, start: Date, end: Date, rows: readonly repo.CounterRow[]): Usage {
  const meter = (name: (typeof METERS)[number]) => {
    const p = plan.meters[name];
    const quantity = Number(rows.find((r) => r.partner_id === partnerId && r.env === env && r.meter === name)?.quantity ?? 0);
    const hardCap = env === 'live' ? p.hard_cap : null;
    return {
      quantity,
      free_quota: p.free_quota,
      free_remaining: Math.max(0, p.free_quota - quantity),
      hard_cap: hardCap,
      soft_threshold: env === 'live' ? p.soft_threshold : null,
      cap_remaining: hardCap === null ? null : Math.max(0, hardCap - quantity),
    };
  };
  return {
    object: 'usage',
    partner_id: partnerId,
    environment: env,
    plan_id: plan.id,
    period,
    period_start: start.toISOString(),
    period_end: end.toISOString(),
    meters: { api_calls: meter('api_calls'), recommendation_calls: meter('recommendation_calls'), checkout_calls: meter('checkout_calls') },
  };
}

/** 429 `quota_exceeded`, with the draft RateLimit fields of a "quota" policy (the period as window) and Retry-After. */
function quotaExceeded(meter: string, cap: number, period: string, resetSeconds: number, windowSeconds: number): AppError {
  return new AppError(BillingErrors.quotaExceeded, `The ${meter} hard cap of this plan (${cap} per period) is reached for ${period}. It resets at the start of the next calendar month (UTC).`, [], {
    'ratelimit-policy': `"quota";q=${cap};w=${windowSeconds}`,
    ratelimit: `"quota";r=0;t=${resetSeconds}`,
    'retry-after': String(resetSeconds),
  });
}
