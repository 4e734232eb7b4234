import { Type, type Static } from '@sinclair/typebox';
import { Currency, Nullable, Timestamp } from '../../platform/http/schemas.js';

/** The meters every partner call may count on. */
export const METERS = ['api_calls', 'recommendation_calls', 'checkout_calls'] as const;
export type MeterName = (typeof METERS)[number];

const Units = Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 });

export const PriceTierSchema = Type.Object(
  {
    up_to: Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 }), { description: "The last unit of the period's total usage (free quota included) this tier prices; null: open, the last tier." }),
    unit_amount: Type.Integer({ minimum: 0, maximum: 99_999_999_999, description: 'Minor units per unit.' }),
    unit_amount_decimal: Type.Optional(Nullable(Type.String({ pattern: '^\\d{1,15}(\\.\\d{1,12})?$', description: 'Minor units per unit as a decimal string (at most 12 decimals), for prices below one minor unit ("0.1"): wins over unit_amount.' }))),
  },
  { additionalProperties: false },
);

export const MeterPlanSchema = Type.Object(
  {
    free_quota: Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, description: 'Units per period at no charge.' }),
    tiers: Type.Array(PriceTierSchema, { maxItems: 20, description: 'Graduated prices: each unit is priced by the tier it falls in.' }),
    hard_cap: Nullable(Units, { description: 'Live-mode units per period; a call beyond it gets 429 quota_exceeded. null: none.' }),
    soft_threshold: Nullable(Units, { description: 'Live-mode units per period at which usage.threshold_reached is emitted, once per period. null: none.' }),
  },
  { additionalProperties: false },
);
export type MeterPlan = Static<typeof MeterPlanSchema>;

export const PlanMetersSchema = Type.Object(
  { api_calls: MeterPlanSchema, recommendation_calls: MeterPlanSchema, checkout_calls: MeterPlanSchema },
  { additionalProperties: false },
);
export type PlanMeters = Static<typeof PlanMetersSchema>;

export const PlanSchema = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('plan'),
    name: Type.String(),
    currency: Currency,
    meters: PlanMetersSchema,
    default: Type.Boolean({ description: 'The plan of partners with none assigned.' }),
    created_at: Timestamp,
  },
  { $id: 'Plan' },
);
export type Plan = Static<typeof PlanSchema>;

export const CreatePlanBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), currency: Currency, meters: PlanMetersSchema },
  { additionalProperties: false },
);
export type CreatePlanInput = Static<typeof CreatePlanBody>;

export const PartnerPlanSchema = Type.Object(
  { object: Type.Literal('partner_plan'), partner_id: Type.String(), plan_id: Type.String(), assigned_at: Timestamp },
  { $id: 'PartnerPlan' },
);
export type PartnerPlan = Static<typeof PartnerPlanSchema>;
