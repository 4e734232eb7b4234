import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/http/errors.js';
import { assertTransition, canTransition, PAYMENT_STATUSES } from './payments.status.js';

describe('payment status transitions', () => {
  it('allows the PaymentIntent lifecycle and nothing out of a final state', () => {
    expect(canTransition('processing', 'requires_capture')).toBe(true);
    expect(canTransition('processing', 'succeeded')).toBe(true);
    expect(canTransition('processing', 'requires_payment_method')).toBe(true);
    expect(canTransition('requires_capture', 'succeeded')).toBe(true);
    expect(canTransition('requires_capture', 'canceled')).toBe(true);
    for (const to of PAYMENT_STATUSES) {
      expect(canTransition('succeeded', to)).toBe(false);
      expect(canTransition('canceled', to)).toBe(false);
    }
    expect(canTransition('requires_payment_method', 'succeeded')).toBe(false);
  });

  it('rejects an illegal move as a 409', () => {
    try {
      assertTransition('pay_1', 'canceled', 'succeeded', 'capture');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(409);
      expect((err as AppError).code).toBe('payment_invalid_state');
    }
  });
});
