import { describe, expect, it } from 'vitest';
import { evaluatePromotions } from './promotions.evaluator.js';
import { testCart as cart, testLine as line, testPromotion as promo } from './promotions.fixtures.js';
import type { PromotionDef } from './promotions.types.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const DAY = 86_400_000;
const tenOff = { type: 'percent_off', percent: 10 } as const;

/** Evaluates one coded promotion entered as CODE; returns its rejection reason, or 'applied'. */
function outcome(p: Partial<PromotionDef>, input = cart([line('a', 5000, 2)])): string {
  const r = evaluatePromotions({ ...input, codes: ['CODE'] }, [promo('promo_x', { code: 'CODE', actions: [tenOff], ...p })], NOW);
  return r.applied.length ? 'applied' : (r.rejected[0]?.reason ?? 'none');
}

describe('eligibility: each check and its reason', () => {
  it('status, dates and usage limits', () => {
    expect(outcome({})).toBe('applied');
    expect(outcome({ status: 'inactive' })).toBe('inactive');
    expect(outcome({ starts_at: new Date(NOW.getTime() + 1) })).toBe('not_started');
    expect(outcome({ starts_at: NOW })).toBe('applied');
    expect(outcome({ ends_at: NOW })).toBe('expired');
    expect(outcome({ ends_at: new Date(NOW.getTime() + 1) })).toBe('applied');
    expect(outcome({ usage_limit: 10, times_redeemed: 10 })).toBe('usage_limit_reached');
    expect(outcome({ usage_limit: 10, times_redeemed: 9 })).toBe('applied');
    expect(outcome({ usage_limit_per_customer: 1, customer_redemptions: 1 })).toBe('customer_usage_limit_reached');
  });

  it('checks in the documented order: the first failing check is the reason', () => {
    expect(outcome({ status: 'inactive', ends_at: new Date(NOW.getTime() - DAY) })).toBe('inactive');
    expect(outcome({ ends_at: new Date(NOW.getTime() - DAY), usage_limit: 1, times_redeemed: 1 })).toBe('expired');
    expect(outcome({ usage_limit: 1, times_redeemed: 1, conditions: [{ type: 'min_subtotal', amount: 1_000_000 }] })).toBe('usage_limit_reached');
    expect(outcome({ conditions: [{ type: 'first_order' }, { type: 'min_subtotal', amount: 1_000_000 }] }, cart([line('a', 100)], { customer: { id: 'c', email: null, segments: [], has_orders: true } }))).toBe('not_first_order');
  });

  it('min_subtotal compares the subtotal before discounts and says how much is missing', () => {
    const r = evaluatePromotions(cart([line('a', 3750)], { codes: ['CODE'] }), [promo('p', { code: 'CODE', conditions: [{ type: 'min_subtotal', amount: 5000 }], actions: [tenOff] })], NOW);
    expect(r.rejected).toEqual([{ promotion_id: 'p', code: 'CODE', reason: 'min_subtotal_not_met', detail: 'Requires a subtotal of at least 50.00 USD; add 12.50 USD more.' }]);
    // A higher-priority 50 % off brings the cart below 50.00, yet the 50.00 minimum still counts the undiscounted subtotal.
    const half = promo('p_half', { priority: 9, actions: [{ type: 'percent_off', percent: 50 }] });
    const ok = evaluatePromotions(cart([line('a', 5000)], { codes: ['CODE'] }), [half, promo('p', { code: 'CODE', conditions: [{ type: 'min_subtotal', amount: 5000 }], actions: [tenOff] })], NOW);
    expect(ok.applied.map((a) => [a.promotion_id, a.amount])).toEqual([['p_half', 2500], ['p', 250]]);
  });

  it('skus and categories need a matching line', () => {
    const c = cart([line('a', 1000, 1, { sku: 'MUG', category_ids: ['cat_home', 'cat_kitchen'] })]);
    expect(outcome({ conditions: [{ type: 'skus', skus: ['MUG', 'CUP'] }] }, c)).toBe('applied');
    expect(outcome({ conditions: [{ type: 'skus', skus: ['CUP'] }] }, c)).toBe('no_matching_items');
    expect(outcome({ conditions: [{ type: 'categories', category_ids: ['cat_home'] }] }, c)).toBe('applied'); // an ancestor matches
    expect(outcome({ conditions: [{ type: 'categories', category_ids: ['cat_garden'] }] }, c)).toBe('no_matching_items');
  });

  it('customer e-mail domain, segment and first order', () => {
    const who = (email: string | null, segments: string[] = [], has_orders = false) => cart([line('a', 1000)], { customer: { id: null, email, segments, has_orders } });
    const domain: { conditions: PromotionDef['conditions'] } = { conditions: [{ type: 'customer_email_domain', domains: ['acme.com'] }] };
    expect(outcome({ conditions: [...domain.conditions] }, who(null))).toBe('email_required');
    expect(outcome({ conditions: [...domain.conditions] }, who('ann@other.org'))).toBe('customer_not_eligible');
    expect(outcome({ conditions: [...domain.conditions] }, who('Ann@ACME.com'))).toBe('applied');
    expect(outcome({ conditions: [...domain.conditions] }, who('ann@mail.acme.com'))).toBe('customer_not_eligible'); // exact domain only
    expect(outcome({ conditions: [{ type: 'customer_segment', segments: ['vip'] }] }, who(null, ['staff']))).toBe('customer_not_eligible');
    expect(outcome({ conditions: [{ type: 'customer_segment', segments: ['vip'] }] }, who(null, ['staff', 'vip']))).toBe('applied');
    expect(outcome({ conditions: [{ type: 'first_order' }] }, who(null, [], true))).toBe('not_first_order');
    expect(outcome({ conditions: [{ type: 'first_order' }] }, who(null, [], false))).toBe('applied');
  });

  it('a per-customer limit needs a known customer (id or e-mail)', () => {
    const anon = cart([line('a', 1000)]);
    expect(outcome({ usage_limit_per_customer: 2 }, anon)).toBe('email_required');
    expect(outcome({ usage_limit_per_customer: 2 }, cart([line('a', 1000)], { customer: { id: null, email: 'a@b.co', segments: [], has_orders: false } }))).toBe('applied');
    expect(outcome({ usage_limit_per_customer: 2 }, cart([line('a', 1000)], { customer: { id: 'cus_1', email: null, segments: [], has_orders: false } }))).toBe('applied');
  });

  it('a promotion in another currency does not apply', () => {
    expect(outcome({ currency: 'EUR' })).toBe('currency_mismatch');
    expect(outcome({ currency: 'USD' })).toBe('applied');
  });

  it('a promotion that gives nothing is no_discount', () => {
    expect(outcome({ actions: [{ type: 'percent_off', percent: 10, applies_to: { skus: ['OTHER'] } }] })).toBe('no_discount');
    expect(outcome({}, cart([line('free', 0)]))).toBe('no_discount');
  });
});

describe('candidates, priority and combinability', () => {
  const c = cart([line('a', 10_000)]);

  it('automatic promotions apply on their own; ineligible ones are not listed as rejected', () => {
    const r = evaluatePromotions(c, [promo('p_auto', { actions: [tenOff] }), promo('p_late', { ends_at: NOW, actions: [tenOff] }), promo('p_off', { status: 'inactive', actions: [tenOff] })], NOW);
    expect(r.applied.map((a) => a.promotion_id)).toEqual(['p_auto']);
    expect(r.rejected).toEqual([]);
  });

  it('a coded promotion applies only when its code was entered (any case); an unknown code is rejected', () => {
    const coded = promo('p_code', { code: 'SAVE10', actions: [tenOff] });
    expect(evaluatePromotions(c, [coded], NOW).applied).toEqual([]);
    const r = evaluatePromotions({ ...c, codes: ['save10', 'SAVE10', 'GHOST'] }, [coded], NOW);
    expect(r.applied).toEqual([{ promotion_id: 'p_code', code: 'SAVE10', name: 'p_code', amount: 1000 }]);
    expect(r.rejected).toEqual([{ promotion_id: null, code: 'GHOST', reason: 'inactive', detail: 'No promotion has the code GHOST.' }]);
  });

  it('applies by priority, then id; later percentages work on what is left', () => {
    const r = evaluatePromotions(c, [promo('p_b', { priority: 1, actions: [tenOff] }), promo('p_a', { priority: 1, actions: [{ type: 'amount_off', amount: 500 }] }), promo('p_top', { priority: 5, actions: [{ type: 'percent_off', percent: 50 }] })], NOW);
    expect(r.applied.map((a) => [a.promotion_id, a.amount])).toEqual([
      ['p_top', 5000],
      ['p_a', 500],
      ['p_b', 450],
    ]);
  });

  it('an exclusive promotion applies only first and alone', () => {
    const exclusive = promo('p_ex', { code: 'EX', combinable: false, actions: [{ type: 'percent_off', percent: 20 }] });
    const auto = promo('p_auto', { priority: 1, actions: [tenOff] });
    const after = evaluatePromotions({ ...c, codes: ['EX'] }, [auto, exclusive], NOW);
    expect(after.applied.map((a) => a.promotion_id)).toEqual(['p_auto']);
    expect(after.rejected).toMatchObject([{ promotion_id: 'p_ex', reason: 'not_combinable' }]);

    const first = evaluatePromotions({ ...c, codes: ['EX', 'OTHER'] }, [{ ...exclusive, priority: 2 }, auto, promo('p_other', { code: 'OTHER', actions: [tenOff] })], NOW);
    expect(first.applied.map((a) => [a.promotion_id, a.amount])).toEqual([['p_ex', 2000]]);
    expect(first.rejected.map((r) => [r.promotion_id, r.reason])).toEqual([['p_other', 'not_combinable']]); // the automatic one is silent
  });

  it('an ineligible exclusive promotion does not block the others', () => {
    const exclusive = promo('p_ex', { code: 'EX', priority: 9, combinable: false, conditions: [{ type: 'min_subtotal', amount: 1_000_000 }], actions: [tenOff] });
    const r = evaluatePromotions({ ...c, codes: ['EX'] }, [exclusive, promo('p_auto', { actions: [tenOff] })], NOW);
    expect(r.applied.map((a) => a.promotion_id)).toEqual(['p_auto']);
    expect(r.rejected.map((x) => x.reason)).toEqual(['min_subtotal_not_met']);
  });
});

describe('actions', () => {
  it('percent off selected lines is rounded once over them and spread by largest remainder', () => {
    const c = cart([line('a', 333, 1, { sku: 'A' }), line('b', 333, 1, { sku: 'B' }), line('c', 334, 1, { sku: 'C' }), line('d', 999, 1, { sku: 'D' })]);
    const r = evaluatePromotions(c, [promo('p', { actions: [{ type: 'percent_off', percent: 15, applies_to: { skus: ['A', 'B', 'C'] } }] })], NOW);
    // 15 % of 1000 = 150, not 50 + 50 + 50 rounded line by line (49.95 + 49.95 + 50.1)
    expect(r.lines).toEqual([
      { line_id: 'a', promotion_id: 'p', amount: 50 },
      { line_id: 'b', promotion_id: 'p', amount: 50 },
      { line_id: 'c', promotion_id: 'p', amount: 50 },
    ]);
  });

  it('amount off is capped at what the selected lines cost', () => {
    const c = cart([line('a', 800, 1, { category_ids: ['cat_x'] }), line('b', 5000)]);
    const r = evaluatePromotions(c, [promo('p', { actions: [{ type: 'amount_off', amount: 1000, applies_to: { category_ids: ['cat_x'] } }] })], NOW);
    expect(r.lines).toEqual([{ line_id: 'a', promotion_id: 'p', amount: 800 }]);
    const order = evaluatePromotions(cart([line('a', 300), line('b', 200)]), [promo('p', { actions: [{ type: 'amount_off', amount: 10_000 }] })], NOW);
    expect(order.applied[0]!.amount).toBe(500);
  });

  it('a selector with SKUs and categories needs both', () => {
    const c = cart([line('a', 1000, 1, { sku: 'A', category_ids: ['cat_x'] }), line('b', 1000, 1, { sku: 'A' }), line('c', 1000, 1, { sku: 'C', category_ids: ['cat_x'] })]);
    const r = evaluatePromotions(c, [promo('p', { actions: [{ type: 'percent_off', percent: 10, applies_to: { skus: ['A'], category_ids: ['cat_x'] } }] })], NOW);
    expect(r.lines.map((l) => l.line_id)).toEqual(['a']);
  });

  it('free shipping takes the shipping charge once, and counts even while shipping is free or not chosen', () => {
    const shipping = { option_id: 'so', amount: 700, free_over_amount: 50_000 };
    const ship = (id: string, extra: Partial<PromotionDef> = {}) => promo(id, { code: id.toUpperCase(), actions: [{ type: 'free_shipping' }], ...extra });
    const r = evaluatePromotions(cart([line('a', 1000)], { shipping, codes: ['S1', 'S2'] }), [ship('s1', { priority: 1 }), ship('s2')], NOW);
    expect(r.shipping).toEqual({ amount: 700, discount: 700, promotion_id: 's1' });
    expect(r.applied).toEqual([{ promotion_id: 's1', code: 'S1', name: 's1', amount: 700 }]);
    expect(r.rejected.map((x) => [x.promotion_id, x.reason])).toEqual([['s2', 'no_discount']]);

    const none = evaluatePromotions(cart([line('a', 1000)], { codes: ['S1'] }), [ship('s1')], NOW);
    expect(none.applied).toEqual([{ promotion_id: 's1', code: 'S1', name: 's1', amount: 0 }]);
    const over = evaluatePromotions(cart([line('a', 60_000)], { shipping, codes: ['S1'] }), [ship('s1')], NOW);
    expect(over.shipping).toEqual({ amount: 0, discount: 0, promotion_id: 's1' });
  });

  it('the free-over threshold counts the subtotal after discounts', () => {
    const shipping = { option_id: 'so', amount: 700, free_over_amount: 10_000 };
    const at = evaluatePromotions(cart([line('a', 10_000)], { shipping }), [], NOW);
    expect(at.shipping.amount).toBe(0);
    const below = evaluatePromotions(cart([line('a', 10_000)], { shipping }), [promo('p', { actions: [{ type: 'amount_off', amount: 1 }] })], NOW);
    expect(below.shipping.amount).toBe(700);
  });

  it('several actions of one promotion add up, each on what the previous left', () => {
    const r = evaluatePromotions(cart([line('a', 10_000)], { shipping: { option_id: 'so', amount: 500, free_over_amount: null } }), [promo('p', { actions: [{ type: 'amount_off', amount: 2000 }, tenOff, { type: 'free_shipping' }] })], NOW);
    expect(r.applied).toEqual([{ promotion_id: 'p', code: null, name: 'p', amount: 2000 + 800 + 500 }]);
  });
});
