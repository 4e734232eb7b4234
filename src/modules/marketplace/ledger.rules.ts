import { divideRoundHalfUp } from '../pricing/pricing.allocate.js';
import type { Commission, SellerOrder } from './commission.js';

/**
 * The seller ledger's rules (#5): double-entry entries in integer minor units, built by pure
 * functions; a balance is only ever derived from entries (`balances`), never stored alone.
 *
 * Sign convention: `amount` is signed, positive = credit to the account, negative = debit; every
 * set a builder returns sums to exactly 0 per currency. Read as the platform's books:
 * - `seller:<id>:pending` / `seller:<id>:available`: what the platform owes the seller, still
 *   within the hold period / free to pay out. Positive = owed to the seller; negative = the
 *   seller owes the platform (a refund or chargeback after the money was paid out).
 * - `platform:commission`: commission earned (positive).
 * - `platform:clearing`: customer money received (negative = money in, debit of cash).
 * - `platform:payouts`: money sent to sellers (positive = money out, credit of cash).
 * - `platform:shipping`: shipping the platform collected for itself, when it, not the seller,
 *   ships or buys the label (`shipping.payee = 'platform'`). Shipping the seller ships is the
 *   seller's money and goes to their pending balance. Shipping is never commissioned.
 * Builders leave out zero legs. Tax is not in these books yet: the line amounts exclude it.
 */

export type SellerBucket = 'pending' | 'available';
export type LedgerAccount = `seller:${string}:${SellerBucket}` | 'platform:commission' | 'platform:clearing' | 'platform:payouts' | 'platform:shipping';
/** Why a leg exists, for seller statements ("sales − commissions − refunds …"). */
export type EntryKind = 'sale' | 'commission' | 'shipping' | 'refund' | 'commission_reversal' | 'chargeback' | 'release' | 'payout';

export interface LedgerEntry {
  account: LedgerAccount;
  currency: string;
  /** Signed minor units: positive = credit. */
  amount: number;
  kind: EntryKind;
}

export interface Balance {
  account: LedgerAccount;
  currency: string;
  amount: number;
}

export const PLATFORM_COMMISSION = 'platform:commission';
export const PLATFORM_CLEARING = 'platform:clearing';
export const PLATFORM_PAYOUTS = 'platform:payouts';
export const PLATFORM_SHIPPING = 'platform:shipping';

/** @example sellerAccount('sel_1', 'pending') // 'seller:sel_1:pending' */
export function sellerAccount(sellerId: string, bucket: SellerBucket): LedgerAccount {
  if (sellerId === '') throw new RangeError('a seller id cannot be empty');
  return `seller:${sellerId}:${bucket}`;
}

export interface SellerShipping {
  amount: number;
  payee: 'seller' | 'platform';
}

/** What a sale was, as the ledger needs it for later refunds and chargebacks: store it with the seller order. */
export interface SellerSale {
  seller_id: string;
  currency: string;
  /** Σ line amounts: what commission was computed on. */
  goods_amount: number;
  commission: number;
  shipping: SellerShipping;
}

/** A refund or chargeback against one sale. */
export interface SaleReturn {
  /** Positive, in minor units. */
  amount: number;
  /** What refunds and chargebacks of this sale already gave back (cf. orders.amount_refunded). */
  returned_before: number;
  /** The seller's pending funds while the sale is within its hold period, else available. */
  from: SellerBucket;
}

function checkPositive(amount: number, what: string): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError(`${what} must be a positive integer in minor units, got ${amount}`);
}

function checkNonNegative(amount: number, what: string): void {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`${what} must be a non-negative integer in minor units, got ${amount}`);
}

function legs(currency: string, kind: EntryKind, pairs: readonly (readonly [LedgerAccount, number])[]): LedgerEntry[] {
  return pairs.filter(([, amount]) => amount !== 0).map(([account, amount]) => ({ account, currency, amount, kind }));
}

/** The facts of a sale that later refunds and chargebacks need. */
export function sellerSale(sellerOrder: SellerOrder, commission: Commission, shipping: SellerShipping = { amount: 0, payee: 'seller' }): SellerSale {
  if (commission.seller_id !== sellerOrder.seller_id || commission.currency !== sellerOrder.currency) throw new RangeError('the commission is for another seller order');
  const goods_amount = sellerOrder.lines.reduce((sum, l) => sum + l.amount, 0);
  checkNonNegative(goods_amount, 'the goods amount');
  checkNonNegative(commission.total, 'the commission');
  checkNonNegative(shipping.amount, 'the shipping amount');
  if (commission.total > goods_amount) throw new RangeError(`a commission of ${commission.total} exceeds the goods amount ${goods_amount}`);
  return { seller_id: sellerOrder.seller_id, currency: sellerOrder.currency, goods_amount, commission: commission.total, shipping };
}

/**
 * A sale: the customer's money comes in (goods + shipping), the goods go to the seller's pending
 * funds, the commission goes from them to the platform, and shipping to whoever ships.
 * @example saleEntries(order, commission, { amount: 500, payee: 'seller' })
 */
export function saleEntries(sellerOrder: SellerOrder, commission: Commission, shipping?: SellerShipping): LedgerEntry[] {
  const sale = sellerSale(sellerOrder, commission, shipping);
  const pending = sellerAccount(sale.seller_id, 'pending');
  const shippingTo = sale.shipping.payee === 'seller' ? pending : PLATFORM_SHIPPING;
  return checked([
    ...legs(sale.currency, 'sale', [[PLATFORM_CLEARING, -(sale.goods_amount + sale.shipping.amount)], [pending, sale.goods_amount]]),
    ...legs(sale.currency, 'shipping', [[shippingTo, sale.shipping.amount]]),
    ...legs(sale.currency, 'commission', [[pending, -sale.commission], [PLATFORM_COMMISSION, sale.commission]]),
  ]);
}

/** The commission on the first `goods` units of the goods amount, half up. */
function commissionOnFirst(sale: SellerSale, goods: number): number {
  return sale.goods_amount === 0 ? 0 : divideRoundHalfUp(BigInt(sale.commission) * BigInt(goods), BigInt(sale.goods_amount));
}

/**
 * How a return splits. Goods are given back first, shipping once all goods are: a partial refund
 * is about goods, and this keeps every part monotonic and whole. The commission reversed is the
 * difference of the cumulative commission before and after (the commission on the first g units
 * of goods, half up), so each refund is within a unit of its exact share, never reverses more
 * than was charged, and a full refund reverses exactly all of it — whatever the steps.
 */
function splitReturn(sale: SellerSale, r: SaleReturn): { goods: number; shipping: number; commission: number } {
  checkPositive(r.amount, 'a refund or chargeback');
  checkNonNegative(r.returned_before, 'returned_before');
  const gross = sale.goods_amount + sale.shipping.amount;
  if (r.returned_before + r.amount > gross) throw new RangeError(`cannot give back ${r.amount}: ${gross - r.returned_before} of the sale is left`);
  const goodsBefore = Math.min(r.returned_before, sale.goods_amount);
  const goodsAfter = Math.min(r.returned_before + r.amount, sale.goods_amount);
  const goods = goodsAfter - goodsBefore;
  return { goods, shipping: r.amount - goods, commission: commissionOnFirst(sale, goodsAfter) - commissionOnFirst(sale, goodsBefore) };
}

function returnEntries(sale: SellerSale, r: SaleReturn, kind: 'refund' | 'chargeback', reverseCommission: boolean): LedgerEntry[] {
  const split = splitReturn(sale, r);
  const seller = sellerAccount(sale.seller_id, r.from);
  const reversal = reverseCommission ? split.commission : 0;
  return checked([
    ...legs(sale.currency, kind, [
      [PLATFORM_CLEARING, r.amount],
      [seller, -split.goods],
      [sale.shipping.payee === 'seller' ? seller : PLATFORM_SHIPPING, -split.shipping],
    ]),
    ...legs(sale.currency, 'commission_reversal', [[PLATFORM_COMMISSION, -reversal], [seller, reversal]]),
  ]);
}

/**
 * A refund: the money goes back to the customer, the seller gives back the goods part (and the
 * shipping, when they shipped), and the platform gives back the commission on the refunded goods.
 * Rounding: the reversal is commission × (goods refunded so far) / goods, half up, minus the same
 * before this refund; so both sides stay whole, and any series of refunds reverses exactly the
 * commission once the goods are all refunded.
 * @example refundEntries(sale, { amount: 1000, returned_before: 0, from: 'pending' })
 */
export function refundEntries(sale: SellerSale, refund: SaleReturn): LedgerEntry[] {
  return returnEntries(sale, refund, 'refund', true);
}

/**
 * A chargeback: the card network takes the money back. Split like a refund, except that the
 * platform keeps its commission — the seller bears the whole disputed goods amount, as with most
 * marketplaces. Dispute fees are not modelled yet.
 * @example chargebackEntries(sale, { amount: 1000, returned_before: 0, from: 'available' })
 */
export function chargebackEntries(sale: SellerSale, chargeback: SaleReturn): LedgerEntry[] {
  return returnEntries(sale, chargeback, 'chargeback', false);
}

/**
 * Moves funds past their hold period from pending to available. The caller picks what is due
 * (the clock is not the ledger's business) and never releases more than is pending.
 * @example releaseEntries({ seller_id: 'sel_1', currency: 'EUR', amount: 870 })
 */
export function releaseEntries(input: { seller_id: string; currency: string; amount: number }): LedgerEntry[] {
  checkPositive(input.amount, 'a release');
  return checked(legs(input.currency, 'release', [[sellerAccount(input.seller_id, 'pending'), -input.amount], [sellerAccount(input.seller_id, 'available'), input.amount]]));
}

/**
 * Pays a seller out of their available funds. The caller checks the available balance first:
 * a builder sees no balances.
 * @example payoutEntries({ seller_id: 'sel_1', currency: 'EUR', amount: 870 })
 */
export function payoutEntries(input: { seller_id: string; currency: string; amount: number }): LedgerEntry[] {
  checkPositive(input.amount, 'a payout');
  return checked(legs(input.currency, 'payout', [[sellerAccount(input.seller_id, 'available'), -input.amount], [PLATFORM_PAYOUTS, input.amount]]));
}

/**
 * Balances derived from entries, per account and currency, sorted; the only way a balance exists.
 * @example balances(saleEntries(order, commission)) // [{ account: 'platform:clearing', currency: 'EUR', amount: -1000 }, …]
 */
export function balances(entries: readonly LedgerEntry[]): Balance[] {
  const byKey = new Map<string, Balance>();
  for (const e of entries) {
    if (!Number.isSafeInteger(e.amount)) throw new RangeError(`entry amounts are integers in minor units, got ${e.amount} on ${e.account}`);
    const key = `${e.currency} ${e.account}`;
    const b = byKey.get(key) ?? { account: e.account, currency: e.currency, amount: 0 };
    b.amount += e.amount;
    if (!Number.isSafeInteger(b.amount)) throw new RangeError(`the balance of ${e.account} in ${e.currency} leaves the safe integer range`);
    byKey.set(key, b);
  }
  return [...byKey.values()].sort((a, b) => (a.currency === b.currency ? (a.account < b.account ? -1 : a.account > b.account ? 1 : 0) : a.currency < b.currency ? -1 : 1));
}

/** The balance of one account in one currency (0 when it has no entries). */
export function balanceOf(entries: readonly LedgerEntry[], account: LedgerAccount, currency: string): number {
  return balances(entries.filter((e) => e.account === account && e.currency === currency))[0]?.amount ?? 0;
}

/** Throws unless every amount is an integer and the entries sum to exactly 0 in each currency. */
export function assertBalanced(entries: readonly LedgerEntry[]): void {
  const sums = new Map<string, number>();
  for (const b of balances(entries)) sums.set(b.currency, (sums.get(b.currency) ?? 0) + b.amount);
  for (const [currency, sum] of sums) if (sum !== 0) throw new Error(`unbalanced entries: ${currency} sums to ${sum}`);
}

function checked(entries: LedgerEntry[]): LedgerEntry[] {
  assertBalanced(entries);
  return entries;
}
