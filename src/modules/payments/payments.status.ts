import { AppError } from '../../platform/http/errors.js';
import { PaymentErrors } from './payments.errors.js';

export const PAYMENT_STATUSES = ['requires_payment_method', 'processing', 'requires_capture', 'succeeded', 'canceled'] as const;
/** PaymentIntent-like states. A payment is created `processing` (the attempt starts at once). */
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * Every legal move. `processing` stays put when an ambiguous outcome could not be resolved, until
 * a lookup settles it; a failed attempt goes back to `requires_payment_method`.
 */
const TRANSITIONS: Record<PaymentStatus, readonly PaymentStatus[]> = {
  requires_payment_method: ['processing', 'canceled'],
  processing: ['requires_capture', 'succeeded', 'requires_payment_method'],
  requires_capture: ['succeeded', 'canceled'],
  succeeded: [],
  canceled: [],
};

/** Whether `from → to` is a legal move. */
export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws a 409 `payment_invalid_state` unless `from → to` is in the table. */
export function assertTransition(paymentId: string, from: PaymentStatus, to: PaymentStatus, action: string): void {
  if (!canTransition(from, to)) throw new AppError(PaymentErrors.invalidState, `Cannot ${action} payment ${paymentId}: it is ${from}.`);
}
