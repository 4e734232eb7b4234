import { Type, type Static } from '@sinclair/typebox';
import { ListQuery } from '../../platform/http/pagination.js';
import { Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';

const MeterUsage = Type.Object({
  quantity: Type.Integer({ minimum: 0, description: 'Units counted this period.' }),
  free_quota: Type.Integer({ minimum: 0 }),
  free_remaining: Type.Integer({ minimum: 0, description: 'Free units left this period.' }),
  hard_cap: Nullable(Type.Integer({ minimum: 0 }), { description: 'Live mode only; null in test mode, which is never capped.' }),
  soft_threshold: Nullable(Type.Integer({ minimum: 0 }), { description: 'Live mode only; null in test mode.' }),
  cap_remaining: Nullable(Type.Integer({ minimum: 0 }), { description: 'Calls left before the hard cap; null without one.' }),
});

export const UsageSchema = Type.Object(
  {
    object: Type.Literal('usage'),
    partner_id: Type.String(),
    environment: StringEnum(['live', 'test'], { description: 'Test-mode usage is metered and shown, never capped nor billed.' }),
    plan_id: Type.String(),
    period: Type.String({ pattern: '^\\d{4}-\\d{2}$', description: 'The UTC calendar month.' }),
    period_start: Timestamp,
    period_end: Timestamp,
    meters: Type.Object({ api_calls: MeterUsage, recommendation_calls: MeterUsage, checkout_calls: MeterUsage }),
  },
  { $id: 'Usage' },
);
export type Usage = Static<typeof UsageSchema>;

export const UsageQuery = Type.Object(
  {
    ...ListQuery,
    partner_id: Type.Optional(Type.String({ maxLength: 64, description: 'Operators: one partner. A partner sees only its own usage.' })),
    environment: Type.Optional(StringEnum(['live', 'test'], { description: "Operators: one environment (default both). A partner sees its credential's." })),
  },
  { additionalProperties: false },
);
export type UsageQueryInput = Static<typeof UsageQuery>;
