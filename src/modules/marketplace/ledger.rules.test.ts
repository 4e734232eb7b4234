import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commissionFor, type CommissionRules, type SellerOrder } from './commission.js';
import {
  assertBalanced,
  balanceOf,
  balances,
  chargebackEntries,
  payoutEntries,
  refundEntries,
  releaseEntries,
  saleEntries,
  sellerAccount,
  sellerSale,
  type LedgerEntry,
  type SellerSale,
  type SellerShipping,
} from './ledger.rules.js';

const RULES: CommissionRules = { defaultRatePpm: 125_000, categoryRatesPpm: {}, sellerOverrides: {}, fixedFeePerOrder: 30, minimumFee: 100 };
const ORDER: SellerOrder = {
  seller_id: 'sel_1',
  currency: 'EUR',
  lines: [1000, 333, 4].map((amount, i) => ({ line_id: `line_${i + 1}`, amount, category_paths: [] })),
};
const COMMISSION = commissionFor(RULES, ORDER); // 198 on 1337 of goods
const PENDING = sellerAccount('sel_1', 'pending');
const AVAILABLE = sellerAccount('sel_1', 'available');

const nonZero = (entries: readonly LedgerEntry[]) => Object.fromEntries(balances(entries).filter((b) => b.amount !== 0).map((b) => [b.account, b.amount]));

describe('saleEntries', () => {
  it('takes the money in, credits the seller the goods and shipping, and moves the commission to the platform', () => {
    const entries = saleEntries(ORDER, COMMISSION, { amount: 500, payee: 'seller' });
    expect(entries).toEqual([
      { account: 'platform:clearing', currency: 'EUR', amount: -1837, kind: 'sale' },
      { account: PENDING, currency: 'EUR', amount: 1337, kind: 'sale' },
      { account: PENDING, currency: 'EUR', amount: 500, kind: 'shipping' },
      { account: PENDING, currency: 'EUR', amount: -198, kind: 'commission' },
      { account: 'platform:commission', currency: 'EUR', amount: 198, kind: 'commission' },
    ]);
    expect(nonZero(entries)).toEqual({ 'platform:clearing': -1837, 'platform:commission': 198, [PENDING]: 1639 });
  });

  it('sends shipping the platform ships to platform:shipping, and leaves zero legs out', () => {
    const entries = saleEntries(ORDER, COMMISSION, { amount: 500, payee: 'platform' });
    expect(nonZero(entries)).toEqual({ 'platform:clearing': -1837, 'platform:commission': 198, 'platform:shipping': 500, [PENDING]: 1139 });
    expect(saleEntries(ORDER, COMMISSION).some((e) => e.kind === 'shipping')).toBe(false);
  });

  it('refuses a commission for another order or above the goods', () => {
    expect(() => saleEntries({ ...ORDER, seller_id: 'sel_2' }, COMMISSION)).toThrow(RangeError);
    expect(() => saleEntries(ORDER, { ...COMMISSION, total: 1338 })).toThrow(/exceeds/);
  });
});

describe('refunds and chargebacks', () => {
  const sale = sellerSale(ORDER, COMMISSION, { amount: 500, payee: 'seller' });

  it('a partial refund reverses the commission on the refunded goods, half up', () => {
    const entries = refundEntries(sale, { amount: 337, returned_before: 0, from: 'pending' });
    // 198 × 337 / 1337 = 49.91 → 50
    expect(entries).toEqual([
      { account: 'platform:clearing', currency: 'EUR', amount: 337, kind: 'refund' },
      { account: PENDING, currency: 'EUR', amount: -337, kind: 'refund' },
      { account: 'platform:commission', currency: 'EUR', amount: -50, kind: 'commission_reversal' },
      { account: PENDING, currency: 'EUR', amount: 50, kind: 'commission_reversal' },
    ]);
  });

  it('refunding the rest, goods then shipping, brings every account back to 0', () => {
    const all = [
      ...saleEntries(ORDER, COMMISSION, { amount: 500, payee: 'seller' }),
      ...refundEntries(sale, { amount: 337, returned_before: 0, from: 'pending' }),
      ...refundEntries(sale, { amount: 1100, returned_before: 337, from: 'pending' }), // 1000 goods + 100 shipping, 148 commission back
      ...refundEntries(sale, { amount: 400, returned_before: 1437, from: 'pending' }), // shipping only: no commission
    ];
    expect(all.filter((e) => e.kind === 'commission_reversal' && e.account === 'platform:commission').map((e) => e.amount)).toEqual([-50, -148]);
    expect(nonZero(all)).toEqual({});
  });

  it("takes platform shipping back from platform:shipping, not from the seller", () => {
    const platformShipped = { ...sale, shipping: { amount: 500, payee: 'platform' } satisfies SellerShipping };
    const entries = refundEntries(platformShipped, { amount: 1837, returned_before: 0, from: 'available' });
    expect(nonZero(entries)).toEqual({ 'platform:clearing': 1837, 'platform:commission': -198, 'platform:shipping': -500, [AVAILABLE]: -1139 });
  });

  it('a chargeback costs the seller the whole goods amount: the platform keeps its commission', () => {
    const simple = sellerSale({ ...ORDER, lines: [{ line_id: 'l', amount: 1000, category_paths: [] }] }, { ...COMMISSION, total: 150 });
    const all = [
      ...saleEntries({ ...ORDER, lines: [{ line_id: 'l', amount: 1000, category_paths: [] }] }, { ...COMMISSION, total: 150 }),
      ...releaseEntries({ seller_id: 'sel_1', currency: 'EUR', amount: 850 }),
      ...chargebackEntries(simple, { amount: 1000, returned_before: 0, from: 'available' }),
    ];
    expect(all.some((e) => e.kind === 'commission_reversal')).toBe(false);
    // the seller now owes the platform the commission it kept
    expect(nonZero(all)).toEqual({ 'platform:commission': 150, [AVAILABLE]: -150 });
  });

  it('never gives back more than the sale, nor a non-positive or fractional amount', () => {
    expect(() => refundEntries(sale, { amount: 1838, returned_before: 0, from: 'pending' })).toThrow(/left/);
    expect(() => chargebackEntries(sale, { amount: 2, returned_before: 1836, from: 'pending' })).toThrow(/1 of the sale is left/);
    expect(() => refundEntries(sale, { amount: 0, returned_before: 0, from: 'pending' })).toThrow(RangeError);
    expect(() => refundEntries(sale, { amount: 1.5, returned_before: 0, from: 'pending' })).toThrow(RangeError);
  });
});

describe('release, payout, balances', () => {
  it('moves funds pending → available → paid out', () => {
    const all = [
      ...saleEntries(ORDER, COMMISSION),
      ...releaseEntries({ seller_id: 'sel_1', currency: 'EUR', amount: 1139 }),
      ...payoutEntries({ seller_id: 'sel_1', currency: 'EUR', amount: 1000 }),
    ];
    expect(balanceOf(all, PENDING, 'EUR')).toBe(0);
    expect(balanceOf(all, AVAILABLE, 'EUR')).toBe(139);
    expect(balanceOf(all, 'platform:payouts', 'EUR')).toBe(1000);
    expect(balanceOf(all, AVAILABLE, 'USD')).toBe(0);
    expect(() => payoutEntries({ seller_id: 'sel_1', currency: 'EUR', amount: -1 })).toThrow(RangeError);
    expect(() => releaseEntries({ seller_id: 'sel_1', currency: 'EUR', amount: 0 })).toThrow(RangeError);
    expect(() => sellerAccount('', 'pending')).toThrow(RangeError);
  });

  it('assertBalanced checks each currency on its own and refuses fractions', () => {
    const eur = { account: 'platform:clearing', currency: 'EUR', amount: 1, kind: 'sale' } as const;
    expect(() => assertBalanced([eur, { ...eur, currency: 'USD', amount: -1 }])).toThrow(/unbalanced/);
    expect(() => assertBalanced([eur, { ...eur, account: 'platform:commission', amount: -1 }])).not.toThrow();
    expect(() => assertBalanced([{ ...eur, amount: 0.5 }, { ...eur, amount: -0.5 }])).toThrow(RangeError);
    expect(balances([eur, { ...eur, currency: 'USD', amount: -1 }]).map((b) => b.currency)).toEqual(['EUR', 'USD']);
  });
});

type Op =
  | { t: 'sale'; seller: number; currency: number; lines: number[]; shipping: number; payee: SellerShipping['payee'] }
  | { t: 'refund' | 'chargeback'; pick: number; size: number }
  | { t: 'release'; pick: number }
  | { t: 'payout'; seller: number; currency: number; size: number };

const SELLERS = ['sel_1', 'sel_2'];
const CURRENCIES = ['EUR', 'USD'];
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constant('sale' as const),
    seller: fc.nat(1),
    currency: fc.nat(1),
    lines: fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 4 }),
    shipping: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000 })),
    payee: fc.constantFrom('seller' as const, 'platform' as const),
  }),
  fc.record({ t: fc.constantFrom('refund' as const, 'chargeback' as const), pick: fc.nat(), size: fc.nat() }),
  fc.record({ t: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({ t: fc.constant('payout' as const), seller: fc.nat(1), currency: fc.nat(1), size: fc.nat() }),
);
const rules: fc.Arbitrary<CommissionRules> = fc.record({
  defaultRatePpm: fc.integer({ min: 0, max: 1_000_000 }),
  categoryRatesPpm: fc.constant({}),
  sellerOverrides: fc.constant({}),
  fixedFeePerOrder: fc.integer({ min: 0, max: 500 }),
  minimumFee: fc.integer({ min: 0, max: 2_000 }),
});

interface ModelSale {
  sale: SellerSale;
  returned: number;
  released: boolean;
  /** What this sale leaves the seller, computed here apart from the builders. */
  sellerNet: number;
  reversed: number;
  onlyRefunds: boolean;
}

/** The commission on the first g units of goods, half up, in plain integer maths (the values stay far below 2^53). */
const commissionOnFirst = (s: SellerSale, g: number) => (s.goods_amount === 0 ? 0 : Math.floor((2 * s.commission * g + s.goods_amount) / (2 * s.goods_amount)));

describe('ledger properties', () => {
  it('any sequence of sales, refunds, chargebacks, releases and payouts stays balanced, and balances match the model', () => {
    fc.assert(
      fc.property(rules, fc.array(op, { maxLength: 40 }), (r, ops) => {
        const journal: LedgerEntry[] = [];
        const sales: ModelSale[] = [];
        const paid = new Map<string, number>();
        const post = (entries: LedgerEntry[]) => {
          assertBalanced(entries);
          for (const e of entries) expect(Number.isSafeInteger(e.amount) && e.amount !== 0).toBe(true);
          journal.push(...entries);
          return entries;
        };
        for (const o of ops) {
          if (o.t === 'sale') {
            const order: SellerOrder = { seller_id: SELLERS[o.seller]!, currency: CURRENCIES[o.currency]!, lines: o.lines.map((amount, i) => ({ line_id: `l${i}`, amount, category_paths: [] })) };
            const commission = commissionFor(r, order);
            const shipping = { amount: o.shipping, payee: o.payee };
            post(saleEntries(order, commission, shipping));
            const sale = sellerSale(order, commission, shipping);
            const sellerNet = sale.goods_amount - sale.commission + (o.payee === 'seller' ? o.shipping : 0);
            sales.push({ sale, returned: 0, released: false, sellerNet, reversed: 0, onlyRefunds: true });
          } else if (o.t === 'refund' || o.t === 'chargeback') {
            const m = sales.length ? sales[o.pick % sales.length]! : undefined;
            const left = m ? m.sale.goods_amount + m.sale.shipping.amount - m.returned : 0;
            if (!m || left === 0) continue;
            const amount = 1 + (o.size % left);
            const input = { amount, returned_before: m.returned, from: m.released ? ('available' as const) : ('pending' as const) };
            const entries = post(o.t === 'refund' ? refundEntries(m.sale, input) : chargebackEntries(m.sale, input));
            const goodsBefore = Math.min(m.returned, m.sale.goods_amount);
            const goodsAfter = Math.min(m.returned + amount, m.sale.goods_amount);
            const reversal = o.t === 'refund' ? commissionOnFirst(m.sale, goodsAfter) - commissionOnFirst(m.sale, goodsBefore) : 0;
            // a refund's reversal is within a unit of its exact proportional share, and never negative
            expect(reversal).toBeGreaterThanOrEqual(0);
            if (o.t === 'refund') expect(Math.abs(reversal * m.sale.goods_amount - m.sale.commission * (goodsAfter - goodsBefore))).toBeLessThanOrEqual(m.sale.goods_amount);
            const sellerShare = goodsAfter - goodsBefore - reversal + (m.sale.shipping.payee === 'seller' ? amount - (goodsAfter - goodsBefore) : 0);
            expect(sellerShare).toBeGreaterThanOrEqual(0);
            expect(entries.filter((e) => e.account.startsWith('seller:')).reduce((s, e) => s - e.amount, 0)).toBe(sellerShare);
            m.returned += amount;
            m.sellerNet -= sellerShare;
            m.reversed += reversal;
            if (o.t === 'chargeback') m.onlyRefunds = false;
          } else if (o.t === 'release') {
            const m = sales.length ? sales[o.pick % sales.length]! : undefined;
            if (!m || m.released || m.sellerNet <= 0) continue;
            post(releaseEntries({ seller_id: m.sale.seller_id, currency: m.sale.currency, amount: m.sellerNet }));
            m.released = true;
          } else if (o.t === 'payout') {
            const seller = SELLERS[o.seller]!;
            const currency = CURRENCIES[o.currency]!;
            const available = balanceOf(journal, sellerAccount(seller, 'available'), currency);
            if (available <= 0) continue;
            const amount = 1 + (o.size % available);
            post(payoutEntries({ seller_id: seller, currency, amount }));
            paid.set(`${seller} ${currency}`, (paid.get(`${seller} ${currency}`) ?? 0) + amount);
          }
        }

        assertBalanced(journal);
        const all = balances(journal);
        for (const currency of CURRENCIES) {
          expect(all.filter((b) => b.currency === currency).reduce((s, b) => s + b.amount, 0)).toBe(0);
          const of = sales.filter((m) => m.sale.currency === currency);
          const sum = (f: (m: ModelSale) => number, list = of) => list.reduce((s, m) => s + f(m), 0);
          expect(balanceOf(journal, 'platform:clearing', currency)).toBe(sum((m) => m.returned - m.sale.goods_amount - m.sale.shipping.amount));
          expect(balanceOf(journal, 'platform:commission', currency)).toBe(sum((m) => m.sale.commission - m.reversed));
          expect(balanceOf(journal, 'platform:payouts', currency)).toBe(SELLERS.reduce((s, seller) => s + (paid.get(`${seller} ${currency}`) ?? 0), 0));
          for (const seller of SELLERS) {
            const mine = of.filter((m) => m.sale.seller_id === seller);
            // available = what released sales left the seller (sales − commissions − refunds + reversals − chargebacks) − payouts
            expect(balanceOf(journal, sellerAccount(seller, 'available'), currency)).toBe(sum((m) => (m.released ? m.sellerNet : 0), mine) - (paid.get(`${seller} ${currency}`) ?? 0));
            expect(balanceOf(journal, sellerAccount(seller, 'pending'), currency)).toBe(sum((m) => (m.released ? 0 : m.sellerNet), mine));
          }
        }
        for (const m of sales) {
          expect(m.reversed).toBeLessThanOrEqual(m.sale.commission);
          // a sale refunded in full, by refunds alone, gives the whole commission back and leaves the seller nothing
          if (m.onlyRefunds && m.returned === m.sale.goods_amount + m.sale.shipping.amount) {
            expect(m.reversed).toBe(m.sale.commission);
            expect(m.sellerNet).toBe(0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a sale refunded in any steps brings every account back to exactly 0', () => {
    fc.assert(
      fc.property(
        rules,
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.constantFrom('seller' as const, 'platform' as const),
        fc.array(fc.integer({ min: 1, max: 1_000_000 }), { maxLength: 8 }),
        (r, amounts, shippingAmount, payee, steps) => {
          const order: SellerOrder = { seller_id: 'sel_1', currency: 'EUR', lines: amounts.map((amount, i) => ({ line_id: `l${i}`, amount, category_paths: [] })) };
          const commission = commissionFor(r, order);
          const shipping = { amount: shippingAmount, payee };
          const sale = sellerSale(order, commission, shipping);
          const gross = sale.goods_amount + shippingAmount;
          const journal = saleEntries(order, commission, shipping);
          let returned = 0;
          for (const step of [...steps, gross]) {
            const amount = Math.min(step, gross - returned);
            if (amount === 0) continue;
            journal.push(...refundEntries(sale, { amount, returned_before: returned, from: 'pending' }));
            returned += amount;
          }
          expect(balances(journal).filter((b) => b.amount !== 0)).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
