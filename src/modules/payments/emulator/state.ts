import crypto from 'node:crypto';
import type { ProcessorAuthorization, ProcessorRefund, SettlementEntry } from '../processor.js';

/**
 * What a test token makes the emulator do. "First attempt" means the reference ends in `_1`:
 * Tessera numbers a payment's attempts `<payment id>_1`, `_2`, …, so only the processor that
 * receives the payment's first attempt misbehaves, and a failover to another processor succeeds.
 */
export type TokenBehaviour =
  | { kind: 'approve'; delayMs: number }
  | { kind: 'decline'; declineCode: string }
  | { kind: 'unavailable' }
  | { kind: 'approve_then_hang' }
  | { kind: 'invalid_token' };

/** The test tokens and their outcomes (documented in the module README and the API docs). */
export const TEST_TOKENS: Readonly<Record<string, string>> = {
  tok_visa: 'approved',
  tok_decline: 'hard decline, decline_code card_declined',
  tok_insufficient_funds: 'hard decline, decline_code insufficient_funds',
  tok_processor_down: 'the processor receiving attempt 1 answers 503 processor_unavailable before authorising; later attempts are approved',
  tok_timeout_after_auth: 'the processor receiving attempt 1 authorises, then never answers (the client times out); later attempts are approved',
  tok_slow: 'approved after 2 s',
};

/** Decides a token's outcome for one attempt reference. Unknown tokens are declined as `invalid_token`. */
export function tokenBehaviour(token: string, reference: string, slowMs: number): TokenBehaviour {
  const firstAttempt = reference.endsWith('_1');
  switch (token) {
    case 'tok_visa':
      return { kind: 'approve', delayMs: 0 };
    case 'tok_decline':
      return { kind: 'decline', declineCode: 'card_declined' };
    case 'tok_insufficient_funds':
      return { kind: 'decline', declineCode: 'insufficient_funds' };
    case 'tok_processor_down':
      return firstAttempt ? { kind: 'unavailable' } : { kind: 'approve', delayMs: 0 };
    case 'tok_timeout_after_auth':
      return firstAttempt ? { kind: 'approve_then_hang' } : { kind: 'approve', delayMs: 0 };
    case 'tok_slow':
      return { kind: 'approve', delayMs: slowMs };
    default:
      return { kind: 'invalid_token' };
  }
}

interface StoredAuthorization extends ProcessorAuthorization {
  token: string;
  created_at: string;
  refunds: Map<string, ProcessorRefund>;
}

export type StateError = { error: string; status: number; message: string };

/** The in-memory books of one emulated processor. */
export class ProcessorState {
  private readonly byId = new Map<string, StoredAuthorization>();
  private readonly byKey = new Map<string, StoredAuthorization>();
  private readonly byReference = new Map<string, StoredAuthorization>();
  /** Settlement entries added by `tamper` for reconciliation tests, and tampered amounts of real ones. */
  private readonly extraSettlements: SettlementEntry[] = [];
  private readonly settlementOverrides = new Map<string, Partial<SettlementEntry> | 'dropped'>();

  constructor(private readonly prefix: string) {}

  private newId(kind: string): string {
    return `${this.prefix}_${kind}_${crypto.randomBytes(8).toString('hex')}`;
  }

  /** The authorization stored under an idempotency key, if any. */
  byIdempotencyKey(key: string): StoredAuthorization | undefined {
    return this.byKey.get(key);
  }

  /** Stores an approved or declined authorization under its idempotency key and reference. */
  record(key: string, input: { amount: number; currency: string; token: string; reference: string; capture: boolean }, declineCode: string | null): StoredAuthorization {
    const approved = declineCode === null;
    const auth: StoredAuthorization = {
      id: this.newId('auth'),
      reference: input.reference,
      status: !approved ? 'declined' : input.capture ? 'captured' : 'authorized',
      amount: input.amount,
      currency: input.currency,
      amount_captured: approved && input.capture ? input.amount : 0,
      amount_refunded: 0,
      decline_code: declineCode,
      token: input.token,
      created_at: new Date().toISOString(),
      refunds: new Map(),
    };
    this.byId.set(auth.id, auth);
    this.byKey.set(key, auth);
    this.byReference.set(auth.reference, auth);
    return auth;
  }

  lookup(reference: string): StoredAuthorization | undefined {
    return this.byReference.get(reference);
  }

  get(id: string): StoredAuthorization | undefined {
    return this.byId.get(id);
  }

  capture(id: string, amount: number): StoredAuthorization | StateError {
    const auth = this.byId.get(id);
    if (!auth) return { status: 404, error: 'authorization_not_found', message: `No authorization ${id}` };
    if (auth.status === 'captured') return auth; // idempotent: answers what was captured
    if (auth.status !== 'authorized') return { status: 409, error: 'invalid_state', message: `Authorization is ${auth.status}` };
    if (amount < 1 || amount > auth.amount) return { status: 422, error: 'invalid_amount', message: `Capture 1..${auth.amount}` };
    auth.status = 'captured';
    auth.amount_captured = amount;
    return auth;
  }

  void(id: string): StoredAuthorization | StateError {
    const auth = this.byId.get(id);
    if (!auth) return { status: 404, error: 'authorization_not_found', message: `No authorization ${id}` };
    if (auth.status === 'voided') return auth;
    if (auth.status !== 'authorized') return { status: 409, error: 'invalid_state', message: `Authorization is ${auth.status}` };
    auth.status = 'voided';
    return auth;
  }

  refund(id: string, amount: number, reference: string): ProcessorRefund | StateError {
    const auth = this.byId.get(id);
    if (!auth) return { status: 404, error: 'authorization_not_found', message: `No authorization ${id}` };
    const existing = auth.refunds.get(reference);
    if (existing) return existing; // idempotent per reference
    if (auth.status !== 'captured') return { status: 409, error: 'invalid_state', message: `Authorization is ${auth.status}` };
    if (amount < 1 || auth.amount_refunded + amount > auth.amount_captured) {
      return { status: 422, error: 'amount_exceeds_captured', message: `Refundable: ${auth.amount_captured - auth.amount_refunded}` };
    }
    const refund: ProcessorRefund = { id: this.newId('re'), reference, amount, status: 'succeeded' };
    auth.refunds.set(reference, refund);
    auth.amount_refunded += amount;
    return refund;
  }

  /** The settlement report: every captured authorization, then tampered additions. */
  settlements(): SettlementEntry[] {
    const out: SettlementEntry[] = [];
    for (const a of this.byId.values()) {
      if (a.status !== 'captured') continue;
      const override = this.settlementOverrides.get(a.id);
      if (override === 'dropped') continue;
      out.push({ authorization_id: a.id, reference: a.reference, currency: a.currency, amount_captured: a.amount_captured, amount_refunded: a.amount_refunded, ...override });
    }
    return [...out, ...this.extraSettlements];
  }

  /**
   * Test-only: an `extra` settlement entry nobody asked for, a `mismatch` of a real entry's
   * amounts, or a `drop` of a real entry (which reconciliation then reports missing).
   */
  tamper(input: { kind: string; reference?: string; amount_captured?: number; amount_refunded?: number; currency?: string }): SettlementEntry | StateError {
    if (input.kind === 'extra') {
      const entry: SettlementEntry = {
        authorization_id: this.newId('auth'),
        reference: input.reference ?? `ext_${crypto.randomBytes(4).toString('hex')}`,
        currency: input.currency ?? 'USD',
        amount_captured: input.amount_captured ?? 1000,
        amount_refunded: input.amount_refunded ?? 0,
      };
      this.extraSettlements.push(entry);
      return entry;
    }
    const auth = input.reference ? this.byReference.get(input.reference) : undefined;
    if (!auth || auth.status !== 'captured') return { status: 404, error: 'authorization_not_found', message: 'tamper needs the reference of a captured authorization' };
    if (input.kind === 'drop') this.settlementOverrides.set(auth.id, 'dropped');
    else if (input.kind === 'mismatch') {
      const override: Partial<SettlementEntry> = {};
      if (input.amount_captured !== undefined) override.amount_captured = input.amount_captured;
      if (input.amount_refunded !== undefined) override.amount_refunded = input.amount_refunded;
      this.settlementOverrides.set(auth.id, override);
    } else return { status: 422, error: 'invalid_request', message: 'kind must be extra, mismatch or drop' };
    const entry = this.settlements().find((e) => e.authorization_id === auth.id);
    return entry ?? { authorization_id: auth.id, reference: auth.reference, currency: auth.currency, amount_captured: 0, amount_refunded: 0 };
  }

  /** Approved authorizations (captured and voided ones included), for tests that count charges. */
  approved(): ProcessorAuthorization[] {
    return [...this.byId.values()].filter((a) => a.status !== 'declined').map((a) => present(a));
  }

  reset(): void {
    this.byId.clear();
    this.byKey.clear();
    this.byReference.clear();
    this.extraSettlements.length = 0;
    this.settlementOverrides.clear();
  }
}

/** The public shape of a stored authorization (the token and refund map stay inside). */
export function present(a: StoredAuthorization): ProcessorAuthorization {
  return {
    id: a.id,
    reference: a.reference,
    status: a.status,
    amount: a.amount,
    currency: a.currency,
    amount_captured: a.amount_captured,
    amount_refunded: a.amount_refunded,
    decline_code: a.decline_code,
  };
}

/** Tells a refused operation from its result. */
export function isStateError(v: object): v is StateError {
  return 'error' in v && 'status' in v;
}
