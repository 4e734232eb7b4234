import { AppError } from '../../platform/http/errors.js';
import { SellerErrors } from './sellers.errors.js';
import type { PayoutDetailsInput } from './sellers.schemas.js';

/** Where a seller's money goes, in full: only ever held sealed (fields.ts) or in memory. */
export type PayoutDetails =
  | { type: 'iban'; account_holder: string; iban: string }
  | { type: 'bank_account'; account_holder: string; account_number: string; routing_number: string };

/**
 * True when `iban` (upper case, no spaces) has a valid ISO 13616 shape and mod-97 check digits.
 * @example ibanValid('DE89370400440532013000') // true
 */
export function ibanValid(iban: string): boolean {
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const digits = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of digits) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder === 1;
}

function invalid(detail: string, pointer: string): never {
  // never echo the number itself: problems are logged and shown
  throw new AppError(SellerErrors.invalidPayoutDetails, detail, [{ detail, pointer }]);
}

/**
 * Checks and normalizes payout details: an IBAN (spaces dropped, upper case, checksum verified),
 * or a domestic account number with its routing number. Throws a 422 problem that never contains
 * the number.
 * @example normalizePayout({ account_holder: 'Ada', iban: 'de89 3704 0044 0532 0130 00' }, '/payout_details')
 */
export function normalizePayout(input: PayoutDetailsInput, pointer: string): PayoutDetails {
  const holder = input.account_holder.trim();
  if (!holder) invalid('The account holder must not be blank.', `${pointer}/account_holder`);
  if (input.iban !== undefined) {
    if (input.account_number !== undefined || input.routing_number !== undefined) invalid('Give either an IBAN or an account number with its routing number, not both.', `${pointer}/iban`);
    const iban = input.iban.replace(/\s+/g, '').toUpperCase();
    if (!ibanValid(iban)) invalid('The IBAN is not valid (its shape or check digits are wrong).', `${pointer}/iban`);
    return { type: 'iban', account_holder: holder, iban };
  }
  if (input.account_number === undefined) invalid('Give an IBAN, or an account number with its routing number.', `${pointer}/iban`);
  if (input.routing_number === undefined) invalid('An account number needs its routing number.', `${pointer}/routing_number`);
  return { type: 'bank_account', account_holder: holder, account_number: input.account_number, routing_number: input.routing_number };
}

/** The last four characters of the account, the only part of it responses carry. */
export function last4(details: PayoutDetails): string {
  return (details.type === 'iban' ? details.iban : details.account_number).slice(-4);
}
