import type { Queryable } from '../../platform/db/database.js';
import { notifyAfterCommit, type EventEnvelope } from '../../platform/events/outbox.js';
import * as repo from './payments.repo.js';
import type { AttemptRecord } from './router.js';

/**
 * Writes one authorisation as it happens, in as few statements as crash safety allows (each is a
 * round trip, which is most of what a checkout costs).
 *
 * The rule that makes a crash safe is kept as it is: an attempt is stored as `pending` before its
 * request goes out, so a process that dies mid-call leaves a reference to look up. The payment is
 * inserted together with its first attempt, in one statement. An attempt's outcome is not written
 * on its own: it goes out with the next write, which is the next attempt's `pending` row or the
 * payment's settlement. Until then the stored attempt reads `pending`, and a pending attempt is
 * exactly what recovery looks up, so an outcome lost in a crash is found again, never guessed.
 * The event a settlement announces (`payment.captured`, …) is written by the settling statement
 * itself: no transaction and no extra round trip, and never an event without its outcome.
 * @example
 *   const journal = new AuthorizationJournal(ctx.db, { id, amount, currency, capture_method, cart_id, order_id, metadata, now });
 *   const result = await router.authorizeWithFailover(ctx.env, input, journal.record);
 *   const row = await journal.settle(settlement, ctx.now(), (settled) => envelopes(ctx, { type: 'payment.captured', object: presentPayment(settled, attempts) }));
 */
export class AuthorizationJournal {
  private payment: repo.PaymentRow | undefined;
  /** The latest outcome, not written yet. */
  private unsaved: AttemptRecord | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly draft: repo.NewPayment,
  ) {}

  /** The router's `record`: resolves once a `pending` attempt is stored; an outcome waits for the next write. */
  readonly record = async (attempt: AttemptRecord): Promise<void> => {
    if (attempt.outcome !== 'pending') {
      this.unsaved = { ...attempt };
      return;
    }
    if (!this.payment) {
      this.payment = await repo.insertPaymentWithAttempt(this.db, this.draft, attempt);
      return;
    }
    const previous = this.unsaved;
    await repo.saveAttempts(this.db, this.draft.id, previous ? [previous, attempt] : [attempt]);
    this.unsaved = undefined;
  };

  /**
   * Writes the last outcome with the payment's settlement and the events `announce` gives for the
   * payment as settled, in one statement, and returns the payment. `null`: the payment stays
   * `processing` (only the outcome is written, and nothing is announced).
   */
  async settle(settlement: repo.Settlement | null, now: Date, announce: (settled: repo.PaymentRow) => EventEnvelope[] = () => []): Promise<repo.PaymentRow> {
    // No processor on the currency's route: no attempt was made, so the payment was not stored yet.
    const payment = this.payment ?? (await repo.insertPayment(this.db, { ...this.draft, status: 'processing' }));
    this.payment = payment;
    const last = this.unsaved;
    this.unsaved = undefined;
    if (!settlement) {
      if (last) await repo.saveAttempts(this.db, this.draft.id, [last]);
      return payment;
    }
    // what the statement below leaves, known before it runs: the payment as stored, settled now
    const events = announce({ ...payment, ...settlement, updated_at: now });
    const row = last ? await repo.settlePayment(this.db, this.draft.id, settlement, last, now, events) : await repo.updatePayment(this.db, this.draft.id, settlement, now, events);
    if (events.length) notifyAfterCommit(this.db);
    return row;
  }
}
