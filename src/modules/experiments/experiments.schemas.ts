import { Type, type Static } from '@sinclair/typebox';
import { ListQuery } from '../../platform/http/pagination.js';
import { Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';

/** Where recommendations are shown; one running experiment per slot. */
export const SLOTS = ['product_page', 'cart', 'checkout', 'home'] as const;
export type Slot = (typeof SLOTS)[number];
/** The recommendation strategies a variant can serve. */
export const STRATEGIES = ['cooccurrence', 'popularity', 'affinity'] as const;
export type Strategy = (typeof STRATEGIES)[number];
export const STATUSES = ['draft', 'running', 'stopped'] as const;
export type ExperimentStatus = (typeof STATUSES)[number];

const Key = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$', description: 'Lower-case letters, digits, `_`, `.`, `-`; up to 64.' });
const Variant = Type.Object(
  {
    key: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' }),
    weight: Type.Integer({ minimum: 0, maximum: 10_000, description: 'Relative share of subjects; the weights must sum to more than 0.' }),
    strategy: StringEnum(STRATEGIES),
  },
  { additionalProperties: false },
);
export type Variant = Static<typeof Variant>;
const Variants = Type.Array(Variant, { minItems: 2, maxItems: 10, description: 'The first variant is the control the others are tested against.' });

export const Experiment = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('experiment'),
    key: Type.String(),
    name: Type.String(),
    slot: StringEnum(SLOTS),
    status: StringEnum(STATUSES),
    variants: Type.Array(Variant),
    started_at: Nullable(Timestamp),
    stopped_at: Nullable(Timestamp),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Experiment' },
);
export type Experiment = Static<typeof Experiment>;

export const ExperimentCreate = Type.Object(
  {
    key: Key,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    slot: StringEnum(SLOTS),
    status: Type.Optional(StringEnum(['draft', 'running'], { default: 'draft' })),
    variants: Variants,
  },
  { additionalProperties: false },
);
export type ExperimentCreate = Static<typeof ExperimentCreate>;

export const ExperimentPatch = Type.Partial(
  Type.Object({ name: Type.String({ maxLength: 200 }), slot: StringEnum(SLOTS), status: StringEnum(STATUSES), variants: Variants }, { description: '`slot` and `variants` change only in draft; status goes draft → running → stopped.' }),
  { additionalProperties: false, minProperties: 1 },
);
export type ExperimentPatch = Static<typeof ExperimentPatch>;

export const ExperimentListQuery = Type.Object({ ...ListQuery, status: Type.Optional(StringEnum(STATUSES)), slot: Type.Optional(StringEnum(SLOTS)) }, { additionalProperties: false });
export type ExperimentListQuery = Static<typeof ExperimentListQuery>;

export const ResultsQuery = Type.Object(
  { currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: 'The currency of revenue figures; default: that of most attributed orders.' })) },
  { additionalProperties: false },
);

const VariantResult = Type.Object({
  variant: Type.String(),
  strategy: Type.String(),
  exposures: Type.Integer({ description: 'Subjects who were served this variant.' }),
  conversions: Type.Integer({ description: 'Exposed subjects with an order (in any currency) after their first exposure.' }),
  conversion_rate: Type.Number(),
  orders: Type.Integer({ description: 'Their orders in `currency`.' }),
  revenue: Type.Integer({ description: 'Their orders’ totals in `currency`, minor units.' }),
  average_order_value: Nullable(Type.Number(), { description: 'revenue / orders, minor units; null without orders.' }),
  revenue_per_exposure: Type.Number({ description: 'revenue / exposures, minor units.' }),
  p_value: Nullable(Type.Number(), { description: 'Two-sided pooled two-proportion z-test of conversion against the control (first variant); null for the control.' }),
});

export const ExperimentResults = Type.Object(
  { object: Type.Literal('experiment_results'), experiment_id: Type.String(), key: Type.String(), status: StringEnum(STATUSES), currency: Nullable(Type.String()), variants: Type.Array(VariantResult) },
  { $id: 'ExperimentResults' },
);
export type ExperimentResults = Static<typeof ExperimentResults>;
