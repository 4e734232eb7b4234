import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/http/errors.js';
import { ibanValid, last4, normalizePayout } from './sellers.payout.js';

describe('payout details', () => {
  it('checks IBAN check digits', () => {
    for (const iban of ['DE89370400440532013000', 'GB82WEST12345698765432', 'FR1420041010050500013M02606']) expect(ibanValid(iban), iban).toBe(true);
    for (const iban of ['DE89370400440532013001', 'GB82WEST1234569876543', 'de89370400440532013000', 'XX', '']) expect(ibanValid(iban), iban).toBe(false);
  });

  it('normalizes an IBAN and keeps only its last four characters for display', () => {
    const details = normalizePayout({ account_holder: ' Ada Ltd ', iban: 'gb82 west 1234 5698 7654 32' }, '/payout_details');
    expect(details).toEqual({ type: 'iban', account_holder: 'Ada Ltd', iban: 'GB82WEST12345698765432' });
    expect(last4(details)).toBe('5432');
    expect(last4(normalizePayout({ account_holder: 'B', account_number: '000123456789', routing_number: '110000000' }, ''))).toBe('6789');
  });

  it('refuses ambiguous or incomplete details with a pointer, never the number', () => {
    const cases = [
      [{ account_holder: 'A', iban: 'DE89370400440532013000', account_number: '1234' }, '/p/iban'],
      [{ account_holder: 'A', account_number: '000123456789' }, '/p/routing_number'],
      [{ account_holder: 'A' }, '/p/iban'],
      [{ account_holder: 'A', iban: 'DE00370400440532013000' }, '/p/iban'],
    ] as const;
    for (const [input, pointer] of cases) {
      try {
        normalizePayout(input, '/p');
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).errors[0]?.pointer).toBe(pointer);
        expect((err as AppError).detail).not.toMatch(/\d{4}/);
      }
    }
  });
});
