import { Type, type TObject, type TProperties } from '@sinclair/typebox';
import { allocateLargestRemainder, percentOf } from '../pricing/pricing.allocate.js';
import type { PricingInput, PricingLine } from '../pricing/pricing.types.js';
import { applyBuyXGetY } from './promotions.buy-x-get-y.js';
import { formatMoney } from './promotions.money.js';
import { matchesSelector } from './promotions.selector.js';
import type { LineSelector, PromotionAction, PromotionCondition, RejectionReason } from './promotions.types.js';

/**
 * The typed registry of promotion conditions and actions. Each type is declared once, here: its
 * TypeBox argument schema (which the API validates bodies against and OpenAPI documents) and its
 * pure `check` or `apply` function (which the evaluator calls).
 */

type ConditionType = PromotionCondition['type'];
type ActionType = PromotionAction['type'];
type ConditionOf<K extends ConditionType> = Extract<PromotionCondition, { type: K }>;
type ActionOf<K extends ActionType> = Extract<PromotionAction, { type: K }>;

/** What a condition sees: the cart and its subtotal before any discount. */
export interface EligibilityContext {
  input: PricingInput;
  subtotal: number;
}

/** Why a promotion is not eligible, as returned (not thrown) by pure code. */
export interface Ineligibility {
  reason: RejectionReason;
  detail: string;
}

/** What an action sees: the lines and what each still costs after the discounts applied so far. */
export interface ActionContext {
  lines: readonly PricingLine[];
  remaining: readonly number[];
}

/** What an action gives: a discount per line (same order as the lines; each within its remaining amount). */
export interface ActionOutcome {
  lines: number[];
  freeShipping: boolean;
}

interface ConditionDefinition<C extends PromotionCondition> {
  schema: TObject;
  check(condition: C, ctx: EligibilityContext): Ineligibility | null;
}

interface ActionDefinition<A extends PromotionAction> {
  schema: TObject;
  apply(action: A, ctx: ActionContext): ActionOutcome;
}

const Money = Type.Integer({ minimum: 1, maximum: 99_999_999_999, description: 'Minor units (cents) of the promotion currency.' });
const Percent = Type.Integer({ minimum: 1, maximum: 100, description: 'Whole percent, 1–100.' });
const Sku = Type.String({ minLength: 1, maxLength: 64 });
const Skus = Type.Array(Sku, { minItems: 1, maxItems: 500, uniqueItems: true });
const CategoryIds = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 100, uniqueItems: true });
const Domain = Type.String({ pattern: '^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$', maxLength: 253 });
const Quantity = Type.Integer({ minimum: 1, maximum: 1000 });

/** A set of cart lines. Both fields must hold when both are given; an absent field matches every line. */
export const LineSelectorSchema = Type.Object(
  { skus: Type.Optional(Skus), category_ids: Type.Optional(CategoryIds) },
  { additionalProperties: false, description: 'Lines whose SKU is listed and (if given) that are in one of the categories or their descendants.' },
);

const object = <P extends TProperties>(props: P, description: string) => Type.Object(props, { additionalProperties: false, description });

const conditions = {
  min_subtotal: {
    schema: object({ type: Type.Literal('min_subtotal'), amount: Money }, 'The cart subtotal, before discounts, is at least `amount`.'),
    check: (c, { input, subtotal }) =>
      subtotal >= c.amount
        ? null
        : { reason: 'min_subtotal_not_met', detail: `Requires a subtotal of at least ${formatMoney(c.amount, input.currency)}; add ${formatMoney(c.amount - subtotal, input.currency)} more.` },
  },
  skus: {
    schema: object({ type: Type.Literal('skus'), skus: Skus }, 'The cart holds at least one of these SKUs.'),
    check: (c, { input }) => (input.lines.some((l) => c.skus.includes(l.sku)) ? null : { reason: 'no_matching_items', detail: 'The cart holds none of the products this promotion is for.' }),
  },
  categories: {
    schema: object({ type: Type.Literal('categories'), category_ids: CategoryIds }, 'The cart holds a product in one of these categories or their descendants.'),
    check: (c, { input }) =>
      input.lines.some((l) => c.category_ids.some((id) => l.category_ids.includes(id))) ? null : { reason: 'no_matching_items', detail: 'The cart holds nothing from the categories this promotion is for.' },
  },
  customer_email_domain: {
    schema: object({ type: Type.Literal('customer_email_domain'), domains: Type.Array(Domain, { minItems: 1, maxItems: 100 }) }, "The customer's e-mail address is at one of these domains (exact match, any case)."),
    check: (c, { input }) => {
      const email = input.customer.email;
      if (!email) return { reason: 'email_required', detail: 'Enter your e-mail address to use this promotion.' };
      const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
      return c.domains.some((d) => d.toLowerCase() === domain) ? null : { reason: 'customer_not_eligible', detail: 'This promotion is not available for your e-mail address.' };
    },
  },
  customer_segment: {
    schema: object({ type: Type.Literal('customer_segment'), segments: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 100 }) }, 'The customer is in at least one of these segments.'),
    check: (c, { input }) => (c.segments.some((s) => input.customer.segments.includes(s)) ? null : { reason: 'customer_not_eligible', detail: 'This promotion is for selected customers only.' }),
  },
  first_order: {
    schema: object({ type: Type.Literal('first_order') }, 'The customer has not ordered before.'),
    check: (_c, { input }) => (input.customer.has_orders ? { reason: 'not_first_order', detail: 'This promotion is for a first order only.' } : null),
  },
} satisfies { [K in ConditionType]: ConditionDefinition<ConditionOf<K>> };

/** Spreads `total` over the `selected` lines in proportion to what they still cost. */
function spread(total: number, selected: readonly number[], ctx: ActionContext): number[] {
  const out = ctx.lines.map(() => 0);
  const parts = allocateLargestRemainder(total, selected.map((i) => ctx.remaining[i]!));
  selected.forEach((i, k) => (out[i] = parts[k]!));
  return out;
}

function selectedLines(ctx: ActionContext, selector: LineSelector | undefined): number[] {
  return ctx.lines.flatMap((l, i) => (ctx.remaining[i]! > 0 && matchesSelector(l, selector) ? [i] : []));
}

function sumOf(indexes: readonly number[], amounts: readonly number[]): number {
  return indexes.reduce((s, i) => s + amounts[i]!, 0);
}

const actions = {
  percent_off: {
    schema: object({ type: Type.Literal('percent_off'), percent: Percent, applies_to: Type.Optional(LineSelectorSchema) }, '`percent` off the selected lines (all lines when `applies_to` is absent), rounded once over them, half up.'),
    apply: (a, ctx) => {
      const selected = selectedLines(ctx, a.applies_to);
      return { lines: spread(percentOf(sumOf(selected, ctx.remaining), a.percent), selected, ctx), freeShipping: false };
    },
  },
  amount_off: {
    schema: object({ type: Type.Literal('amount_off'), amount: Money, applies_to: Type.Optional(LineSelectorSchema) }, '`amount` off the selected lines (the whole order when absent), capped at what they cost, spread by largest remainder.'),
    apply: (a, ctx) => {
      const selected = selectedLines(ctx, a.applies_to);
      return { lines: spread(Math.min(a.amount, sumOf(selected, ctx.remaining)), selected, ctx), freeShipping: false };
    },
  },
  free_shipping: {
    schema: object({ type: Type.Literal('free_shipping') }, 'The chosen shipping option costs nothing.'),
    apply: (_a, ctx) => ({ lines: ctx.lines.map(() => 0), freeShipping: true }),
  },
  buy_x_get_y: {
    schema: object(
      {
        type: Type.Literal('buy_x_get_y'),
        buy_quantity: Quantity,
        buy: LineSelectorSchema,
        get_quantity: Quantity,
        get: LineSelectorSchema,
        percent: Percent,
        max_applications: Type.Optional(Quantity),
      },
      'Buy `buy_quantity` units matching `buy`, get `get_quantity` units matching `get` at `percent` off (100 = free). The cheapest qualifying units are discounted; repeats up to `max_applications` times.',
    ),
    apply: (a, ctx) => ({ lines: applyBuyXGetY(a, ctx.lines, ctx.remaining), freeShipping: false }),
  },
} satisfies { [K in ActionType]: ActionDefinition<ActionOf<K>> };

/** Checks one condition against the cart; null when it holds. */
export function checkCondition(condition: PromotionCondition, ctx: EligibilityContext): Ineligibility | null {
  // The registry is keyed by type, so the definition found always takes this condition.
  const def = conditions[condition.type] as ConditionDefinition<PromotionCondition>;
  return def.check(condition, ctx);
}

/** Applies one action to what the lines still cost; never gives a line more than its remaining amount. */
export function applyAction(action: PromotionAction, ctx: ActionContext): ActionOutcome {
  const def = actions[action.type] as ActionDefinition<PromotionAction>;
  return def.apply(action, ctx);
}

/** Every condition type, validated as `{ type, …arguments }`. */
export const PromotionConditionSchema = Type.Union(
  [conditions.min_subtotal.schema, conditions.skus.schema, conditions.categories.schema, conditions.customer_email_domain.schema, conditions.customer_segment.schema, conditions.first_order.schema],
  { description: 'A condition of a promotion; all of its conditions must hold.' },
);

/** Every action type, validated as `{ type, …arguments }`. */
export const PromotionActionSchema = Type.Union(
  [actions.percent_off.schema, actions.amount_off.schema, actions.free_shipping.schema, actions.buy_x_get_y.schema],
  { description: 'What an eligible promotion gives.' },
);

/** The registered condition and action types, for docs and tests. */
export const CONDITION_TYPES = Object.keys(conditions) as ConditionType[];
export const ACTION_TYPES = Object.keys(actions) as ActionType[];
