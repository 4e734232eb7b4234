import type { Environment } from '../../platform/db/database.js';
import type { ProcessorBreakers } from './breakers.js';
import type { PaymentProcessor, ProcessorAuthorization } from './processor.js';
import type { ProcessorDirectory } from './processors.js';

export const ATTEMPT_OUTCOMES = ['pending', 'authorized', 'declined', 'unavailable', 'circuit_open', 'timeout_authorized', 'timeout_not_authorized', 'unresolved', 'error'] as const;
/**
 * What became of one attempt. `pending` is written before the request goes out, so a crash leaves
 * a reference to look up; `timeout_*` are ambiguous answers resolved by a lookup; `unresolved` is
 * an ambiguous answer whose lookup failed too.
 */
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export interface AttemptRecord {
  number: number;
  /** `<payment id>_<number>`: sent as the processor's idempotency key and used for lookups. */
  reference: string;
  processor: string;
  outcome: AttemptOutcome;
  declineCode: string | null;
  latencyMs: number | null;
  startedAt: Date;
  processorPaymentId: string | null;
  /** Why, in words (for operators): "HTTP 503 processor_unavailable", "timeout after 5000 ms". */
  detail: string | null;
}

export type FailoverResult =
  | { outcome: 'authorized'; processor: string; authorization: ProcessorAuthorization; attempts: AttemptRecord[] }
  | { outcome: 'declined'; declineCode: string; attempts: AttemptRecord[] }
  | { outcome: 'unavailable'; attempts: AttemptRecord[] }
  | { outcome: 'unresolved'; attempts: AttemptRecord[] };

export interface FailoverInput {
  paymentId: string;
  amount: number;
  currency: string;
  token: string;
  /** Automatic capture: the processor captures at authorization. */
  capture: boolean;
  /** The clock for `startedAt` (ctx.now). */
  now?: () => Date;
}

type Resolution = { kind: 'authorized'; authorization: ProcessorAuthorization } | { kind: 'declined'; declineCode: string } | { kind: 'not_authorized' } | { kind: 'unknown'; reason: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Walks a currency's processors in order and authorises with at most one of them. It moves to the
 * next processor only when the current one surely did not authorise: it was unavailable (no
 * connection, 503, `processor_unavailable`) or its circuit is open. A decline stops the walk. An
 * ambiguous answer (timeout, other 5xx) is resolved by looking the attempt reference up: an
 * authorization found is kept; none found moves on; a lookup that keeps failing stops with
 * `unresolved`, since trying elsewhere could charge twice.
 */
export class PaymentRouter {
  constructor(
    private readonly processors: ProcessorDirectory,
    private readonly breakers: ProcessorBreakers,
    private readonly routes: Record<string, string[]> & { '*': string[] },
    private readonly lookupDelaysMs: readonly number[] = [100, 400, 1000],
  ) {}

  /** The processors tried for a currency, in order. */
  order(currency: string): string[] {
    return this.routes[currency] ?? this.routes['*'];
  }

  /**
   * Authorises `input` with failover. `record` is called for every attempt before its request is
   * sent (outcome `pending`), and must have stored it when it resolves: that is what makes a crash
   * safe. It is called again with the attempt's outcome; that write may wait for the recorder's
   * next one (see AuthorizationJournal), since until then the attempt reads `pending` and is looked up.
   */
  async authorizeWithFailover(env: Environment, input: FailoverInput, record: (attempt: AttemptRecord) => Promise<void>): Promise<FailoverResult> {
    const attempts: AttemptRecord[] = [];
    const directory = this.processors.forEnv(env);
    for (const name of this.order(input.currency)) {
      const processor = directory.get(name);
      if (!processor) continue;
      const number = attempts.length + 1;
      const attempt: AttemptRecord = {
        number,
        reference: `${input.paymentId}_${number}`,
        processor: name,
        outcome: 'pending',
        declineCode: null,
        latencyMs: null,
        startedAt: input.now ? input.now() : new Date(),
        processorPaymentId: null,
        detail: null,
      };
      attempts.push(attempt);
      await record({ ...attempt });
      const started = performance.now();
      const result = await this.breakers.guarded(env, name, 'authorize', () =>
        processor.authorize({ amount: input.amount, currency: input.currency, token: input.token, reference: attempt.reference, capture: input.capture }),
      );
      const finish = async (outcome: AttemptOutcome, extra: Partial<AttemptRecord> = {}) => {
        Object.assign(attempt, { outcome, latencyMs: Math.round(performance.now() - started), ...extra });
        await record({ ...attempt });
      };
      switch (result.kind) {
        case 'ok':
          await finish('authorized', { processorPaymentId: result.value.id });
          return { outcome: 'authorized', processor: name, authorization: result.value, attempts };
        case 'declined':
          await finish('declined', { declineCode: result.declineCode });
          return { outcome: 'declined', declineCode: result.declineCode, attempts };
        case 'circuit_open':
          await finish('circuit_open', { detail: 'circuit open; not called', latencyMs: 0 });
          continue;
        case 'unavailable':
          await finish('unavailable', { detail: result.reason });
          continue;
        case 'rejected':
          // The processor refused the request itself: nothing was authorised, but another processor
          // would refuse the same request, so this is reported as a processing error.
          await finish('error', { detail: `${result.code}: ${result.reason}`, declineCode: 'processing_error' });
          return { outcome: 'declined', declineCode: 'processing_error', attempts };
        case 'ambiguous': {
          const resolved = await this.resolve(env, processor, attempt.reference);
          const detail = result.reason;
          if (resolved.kind === 'authorized') {
            await finish('timeout_authorized', { detail, processorPaymentId: resolved.authorization.id });
            return { outcome: 'authorized', processor: name, authorization: resolved.authorization, attempts };
          }
          if (resolved.kind === 'declined') {
            await finish('declined', { detail, declineCode: resolved.declineCode });
            return { outcome: 'declined', declineCode: resolved.declineCode, attempts };
          }
          if (resolved.kind === 'not_authorized') {
            await finish('timeout_not_authorized', { detail });
            continue;
          }
          await finish('unresolved', { detail: `${detail}; lookup failed: ${resolved.reason}` });
          return { outcome: 'unresolved', attempts };
        }
      }
    }
    return { outcome: 'unavailable', attempts };
  }

  /**
   * What the processor made of an attempt, by its reference. Retried briefly, and outside the
   * breaker: an open circuit must not stop us from finding out whether we charged someone.
   */
  async resolve(env: Environment, processor: PaymentProcessor, reference: string): Promise<Resolution> {
    let reason = 'not tried';
    for (let i = 0; i <= this.lookupDelaysMs.length; i++) {
      const found = await this.breakers.timed(env, processor.name, 'lookup', () => processor.lookup(reference));
      if (found.kind === 'ok') {
        const auth = found.value;
        if (!auth || auth.status === 'voided') return { kind: 'not_authorized' };
        if (auth.status === 'declined') return { kind: 'declined', declineCode: auth.decline_code ?? 'card_declined' };
        return { kind: 'authorized', authorization: auth };
      }
      reason = found.kind === 'rejected' ? `${found.code}: ${found.reason}` : found.kind === 'declined' ? found.declineCode : found.reason;
      const delay = this.lookupDelaysMs[i];
      if (delay !== undefined) await sleep(delay);
    }
    return { kind: 'unknown', reason };
  }
}
