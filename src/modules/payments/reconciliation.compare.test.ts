import { describe, expect, it } from 'vitest';
import type { BookedAuthorization } from './payments.repo.js';
import type { SettlementEntry } from './processor.js';
import { compareSettlements } from './reconciliation.compare.js';

const booked = (id: string, captured: number, refunded = 0, processor = 'simpay'): BookedAuthorization => ({
  payment_id: `pay_${id}`,
  processor,
  processor_payment_id: `auth_${id}`,
  reference: `pay_${id}_1`,
  currency: 'USD',
  amount_captured: captured,
  amount_refunded: refunded,
});
const entry = (id: string, captured: number, refunded = 0): SettlementEntry => ({ authorization_id: `auth_${id}`, reference: `pay_${id}_1`, currency: 'USD', amount_captured: captured, amount_refunded: refunded });

describe('compareSettlements', () => {
  it('finds nothing when both sides agree', () => {
    expect(compareSettlements('simpay', [booked('a', 100, 30), booked('b', 0)], [entry('a', 100, 30)])).toEqual([]);
  });

  it('reports missing, extra and amount mismatches, and ignores other processors', () => {
    const findings = compareSettlements(
      'simpay',
      [booked('a', 100), booked('b', 200, 50), booked('c', 0), booked('z', 10, 0, 'altpay')],
      [entry('b', 200, 0), entry('c', 75), entry('x', 999)],
    );
    expect(findings.map((f) => [f.kind, f.payment_id ?? f.processor_payment_id])).toEqual([
      ['missing', 'pay_a'],
      ['amount_mismatch', 'pay_b'],
      ['amount_mismatch', 'pay_c'],
      ['extra', 'auth_x'],
    ]);
    expect(findings[1]).toMatchObject({ expected_captured: 200, actual_captured: 200, expected_refunded: 50, actual_refunded: 0 });
    expect(findings[3]).toMatchObject({ payment_id: null, reference: 'pay_x_1', actual_captured: 999, expected_captured: null });
  });
});
