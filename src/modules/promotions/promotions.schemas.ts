import { Type, type Static } from '@sinclair/typebox';
import { ListQuery } from '../../platform/http/pagination.js';
import { Currency, Metadata, Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';
import { PromotionActionSchema, PromotionConditionSchema } from './promotions.registry.js';
import type { PromotionAction, PromotionCondition } from './promotions.types.js';

const Status = StringEnum(['active', 'inactive']);
const Code = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$',
  description: 'What shoppers type; 3–64 letters, digits, `-` and `_`. Stored and shown upper case, matched in any case.',
});
const Conditions = Type.Array(PromotionConditionSchema, { maxItems: 20, description: 'All must hold. Empty: always eligible.' });
const Actions = Type.Array(PromotionActionSchema, { minItems: 1, maxItems: 10, description: 'Applied in order, each on what the previous left.' });

export const Promotion = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('promotion'),
    name: Type.String(),
    code: Nullable(Type.String(), { description: 'null: an automatic promotion, applied to every eligible cart.' }),
    status: Status,
    priority: Type.Integer({ description: 'Higher applies first; ties by id.' }),
    combinable: Type.Boolean({ description: 'false: exclusive; applies only when nothing applied before it, and then alone.' }),
    currency: Nullable(Type.String(), { description: 'The currency of its amounts; it applies only to carts in it; null for every currency.' }),
    starts_at: Nullable(Timestamp),
    ends_at: Nullable(Timestamp),
    usage_limit: Nullable(Type.Integer()),
    usage_limit_per_customer: Nullable(Type.Integer()),
    times_redeemed: Type.Integer({ description: 'Orders placed with it.' }),
    conditions: Type.Array(PromotionConditionSchema),
    actions: Type.Array(PromotionActionSchema),
    metadata: Type.Record(Type.String(), Type.String()),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Promotion' },
);
export type Promotion = Omit<Static<typeof Promotion>, 'conditions' | 'actions'> & { conditions: PromotionCondition[]; actions: PromotionAction[] };

const fields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  code: Nullable(Code),
  status: Status,
  priority: Type.Integer({ minimum: -1000, maximum: 1000 }),
  combinable: Type.Boolean(),
  currency: Nullable(Currency),
  starts_at: Nullable(Timestamp),
  ends_at: Nullable(Timestamp, { description: 'Exclusive: the promotion has ended at this instant.' }),
  usage_limit: Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'Orders in all.' })),
  usage_limit_per_customer: Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Orders per customer (by customer id, else e-mail).' })),
  conditions: Conditions,
  actions: Actions,
  metadata: Metadata,
};

export const PromotionCreate = Type.Object(
  {
    name: fields.name,
    code: Type.Optional(fields.code),
    status: Type.Optional({ ...fields.status, default: 'active' }),
    priority: Type.Optional({ ...fields.priority, default: 0 }),
    combinable: Type.Optional({ ...fields.combinable, default: true }),
    currency: Type.Optional(fields.currency),
    starts_at: Type.Optional(fields.starts_at),
    ends_at: Type.Optional(fields.ends_at),
    usage_limit: Type.Optional(fields.usage_limit),
    usage_limit_per_customer: Type.Optional(fields.usage_limit_per_customer),
    conditions: Type.Optional(fields.conditions),
    actions: fields.actions,
    metadata: Type.Optional(fields.metadata),
  },
  { additionalProperties: false },
);
export type PromotionCreate = Static<typeof PromotionCreate>;

export const PromotionPatch = Type.Partial(Type.Object(fields), { additionalProperties: false, minProperties: 1 });
export type PromotionPatch = Static<typeof PromotionPatch>;

export const PromotionListQuery = Type.Object(
  { ...ListQuery, status: Type.Optional(Status), code: Type.Optional(Type.String({ maxLength: 64, description: 'Exact code, any case.' })) },
  { additionalProperties: false },
);
export type PromotionListQuery = Static<typeof PromotionListQuery>;
