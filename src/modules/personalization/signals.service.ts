import type { Queryable } from '../../platform/db/database.js';
import type { EventEnvelope } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError, type FieldError } from '../../platform/http/errors.js';
import { PersonalizationErrors } from './personalization.errors.js';
import { insertSignals, type SignalRow } from './signals.repo.js';
import type { SignalBatchResult, SignalInput } from './signals.schemas.js';

/** How far ahead of the server clock a signal's `occurred_at` may be (clock skew of browsers). */
export const FUTURE_SKEW_MS = 5 * 60_000;
/** Signals older than this are refused: models only look back so far. */
export const MAX_AGE_DAYS = 90;

/** The problems of a batch, by JSON Pointer: times out of range, or no subject. Empty when it is valid. */
export function signalProblems(signals: readonly SignalInput[], now: Date): FieldError[] {
  const problems: FieldError[] = [];
  const latest = now.getTime() + FUTURE_SKEW_MS;
  const earliest = now.getTime() - MAX_AGE_DAYS * 86_400_000;
  signals.forEach((s, i) => {
    if (s.customer_id === undefined && s.anonymous_id === undefined) problems.push({ detail: 'Name the shopper: customer_id or anonymous_id.', pointer: `/signals/${i}` });
    const at = Date.parse(s.occurred_at);
    if (at > latest) problems.push({ detail: 'occurred_at is in the future.', pointer: `/signals/${i}/occurred_at` });
    else if (at < earliest) problems.push({ detail: `occurred_at is more than ${MAX_AGE_DAYS} days ago.`, pointer: `/signals/${i}/occurred_at` });
  });
  return problems;
}

/** The purchase signals of an order: one per line, id `sig_<line id>`, at the order's creation. */
export function orderSignals(order: Record<string, unknown>): SignalRow[] {
  const lines = Array.isArray(order.lines) ? (order.lines as Record<string, unknown>[]) : [];
  const customer = typeof order.customer_id === 'string' && order.customer_id ? order.customer_id : null;
  const metadata = (order.metadata ?? {}) as Record<string, unknown>;
  // an order without a customer id is its own shopper: an anonymous_id from its metadata, else the order id
  const anonymous = customer ? null : typeof metadata.anonymous_id === 'string' && metadata.anonymous_id ? metadata.anonymous_id : String(order.id);
  const at = new Date(String(order.created_at));
  return lines
    .filter((l) => typeof l.id === 'string' && typeof l.product_id === 'string')
    .map((l) => ({ id: `sig_${String(l.id)}`, type: 'purchase', product_id: String(l.product_id), customer_id: customer, anonymous_id: anonymous, occurred_at: at }));
}

/** Behavioural signals: batches from storefronts, and purchases from orders. */
export class SignalsService {
  /** Stores a validated batch; ids already stored are counted as duplicates. One statement. */
  async record(ctx: ServiceContext, signals: readonly SignalInput[]): Promise<SignalBatchResult> {
    const now = ctx.now();
    const problems = signalProblems(signals, now);
    if (problems.length) throw new AppError(PersonalizationErrors.invalidSignals, `${problems.length} problem${problems.length > 1 ? 's' : ''} in the batch; nothing was stored.`, problems);
    const rows: SignalRow[] = signals.map((s) => ({
      id: s.id,
      type: s.type,
      product_id: s.product_id,
      customer_id: s.customer_id ?? null,
      anonymous_id: s.anonymous_id ?? null,
      occurred_at: new Date(s.occurred_at),
    }));
    const received = await insertSignals(ctx.db, rows, now);
    return { object: 'signal_batch', received, duplicates: signals.length - received };
  }

  /**
   * Outbox subscriber: every `order.created` becomes purchase signals, in the dispatcher's
   * transaction. Deterministic ids make a redispatched event a no-op.
   */
  async onEvents(tx: Queryable, events: readonly EventEnvelope[], ctx: ServiceContext): Promise<void> {
    const rows = events.filter((e) => e.type === 'order.created').flatMap((e) => orderSignals(e.data.object));
    await insertSignals(tx, rows, ctx.now());
  }
}
