import { describe, expect, it } from 'vitest';
import { canTransition, ORDER_STATUSES } from './orders.status.js';

describe('order transitions', () => {
  it('follow the lifecycle pending → paid → fulfilled → completed', () => {
    expect(canTransition('pending', 'paid')).toBe(true);
    expect(canTransition('paid', 'partially_fulfilled')).toBe(true);
    expect(canTransition('partially_fulfilled', 'fulfilled')).toBe(true);
    expect(canTransition('fulfilled', 'completed')).toBe(true);
  });

  it('refuse going back, skipping payment, and leaving a final state', () => {
    expect(canTransition('paid', 'pending')).toBe(false);
    expect(canTransition('pending', 'fulfilled')).toBe(false);
    expect(canTransition('fulfilled', 'canceled')).toBe(false);
    for (const to of ORDER_STATUSES) {
      expect(canTransition('canceled', to)).toBe(false);
      expect(canTransition('refunded', to)).toBe(false);
    }
  });
});
