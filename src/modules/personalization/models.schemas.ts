import { Type, type Static } from '@sinclair/typebox';
import { Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.js';

export const MODEL_STATUSES = ['building', 'ready', 'active', 'retired', 'failed'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

const Num = (description: string) => Type.Number({ description });

export const ModelMetricsSchema = Type.Object(
  {
    k: Type.Integer(),
    cutoff: Nullable(Timestamp),
    precision_at_10: Num("The model's precision@10 on the held-out purchases."),
    recall_at_10: Num("The model's recall@10 on the held-out purchases."),
    popularity_precision_at_10: Num('Precision@10 of popularity alone, the baseline.'),
    popularity_recall_at_10: Num('Recall@10 of popularity alone.'),
    holdout_purchases: Type.Integer({ description: 'Held-out (shopper, product) purchases evaluated.' }),
    holdout_subjects: Type.Integer({ description: 'Held-out purchasers with a history before the cutoff.' }),
  },
  { description: 'Offline evaluation: a model built from the signals before `cutoff` (the last 20 % of the purchases\' time span) recommends 10 products to each later purchaser; popularity alone is the baseline.' },
);

export const RecommendationModel = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('recommendation_model'),
    version: Type.Integer(),
    status: StringEnum(MODEL_STATUSES, { description: '`building`, then `ready` (immutable) or `failed`; one model is `active`; a model active before is `retired` (kept for rollback).' }),
    created_at: Timestamp,
    built_at: Nullable(Timestamp),
    activated_at: Nullable(Timestamp),
    params: Type.Object(
      {
        as_of: Timestamp,
        half_life_days: Type.Number(),
        bought_window_hours: Type.Number(),
        viewed_window_hours: Type.Number(),
        weights: Type.Object({ view: Type.Number(), add_to_cart: Type.Number(), purchase: Type.Number() }),
        neighbors_per_product: Type.Integer(),
        lookback_days: Type.Number(),
        holdout_fraction: Type.Number(),
      },
      { description: 'What the model was built with.' },
    ),
    metrics: Nullable(ModelMetricsSchema),
    counts: Nullable(
      Type.Object({
        signals: Type.Integer(),
        products: Type.Integer(),
        bought_together: Type.Integer(),
        viewed_together: Type.Integer(),
        popularity: Type.Integer(),
        affinity: Type.Integer(),
      }),
    ),
    error: Nullable(Type.String()),
  },
  { $id: 'RecommendationModel' },
);
export type RecommendationModel = Static<typeof RecommendationModel>;
