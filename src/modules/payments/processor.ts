/**
 * What Tessera needs from a payment processor, and how every answer is classified. The classes
 * decide failover: only an answer that proves the processor did not authorise (`unavailable`)
 * lets the router try the next processor; `ambiguous` must be resolved by a lookup first.
 */

/** An authorization as a processor reports it. Amounts are integer minor units. */
export interface ProcessorAuthorization {
  id: string;
  reference: string;
  status: 'authorized' | 'captured' | 'voided' | 'declined';
  amount: number;
  currency: string;
  amount_captured: number;
  amount_refunded: number;
  decline_code: string | null;
}

export interface ProcessorRefund {
  id: string;
  reference: string;
  amount: number;
  status: 'succeeded';
}

/** One line of a processor's settlement report: a captured authorization. */
export interface SettlementEntry {
  authorization_id: string;
  reference: string;
  currency: string;
  amount_captured: number;
  amount_refunded: number;
}

/**
 * The outcome of one call.
 * - `ok`: done.
 * - `declined`: a decline of the card (authorize only); never retried elsewhere.
 * - `unavailable`: the processor surely did nothing (connection refused, 503, `processor_unavailable`).
 * - `ambiguous`: the request may have been acted on (timeout or 5xx after it was sent).
 * - `rejected`: the processor refused the request itself (4xx other than a decline).
 */
export type ProcessorResult<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'declined'; declineCode: string }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'ambiguous'; reason: string }
  | { kind: 'rejected'; code: string; reason: string };

export interface AuthorizeRequest {
  amount: number;
  currency: string;
  token: string;
  /** Our attempt reference, `<payment id>_<attempt number>`; also sent as the Idempotency-Key. */
  reference: string;
  /** true: capture the whole amount at authorization (automatic capture). */
  capture: boolean;
}

/** A payment processor as the router sees it. Implementations never throw for network or HTTP failures. */
export interface PaymentProcessor {
  readonly name: string;
  authorize(request: AuthorizeRequest): Promise<ProcessorResult<ProcessorAuthorization>>;
  /** Captures `amount` of an authorization; capturing an already captured one answers its current state. */
  capture(authorizationId: string, amount: number): Promise<ProcessorResult<ProcessorAuthorization>>;
  /** Releases an uncaptured authorization; idempotent. */
  void(authorizationId: string): Promise<ProcessorResult<ProcessorAuthorization>>;
  /** Refunds part of a capture; idempotent per `reference`. */
  refund(authorizationId: string, amount: number, reference: string): Promise<ProcessorResult<ProcessorRefund>>;
  /** The authorization made under our attempt reference, or null when the processor has none. */
  lookup(reference: string): Promise<ProcessorResult<ProcessorAuthorization | null>>;
  /** Every captured authorization, with its captured and refunded amounts. */
  settlements(): Promise<ProcessorResult<SettlementEntry[]>>;
}

/** The processors this deployment knows. */
export const PROCESSOR_NAMES = ['simpay', 'altpay'] as const;
export type ProcessorName = (typeof PROCESSOR_NAMES)[number];
