import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sendSerializedOnce } from '../../platform/http/caching.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { StringEnum } from '../../platform/http/schemas.js';
import { CONFIDENCE_K, VIEWED_WEIGHT } from './recommendations.rules.js';
import { ANSWER_TTL_MS, SLOTS, type RecommendationsService } from './recommendations.service.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });

export const Recommendation = Type.Object(
  {
    product_id: Type.String(),
    sku: Type.String({ description: 'A SKU of the product that is in stock now.' }),
    score: Type.Number({ description: 'The ranking score from the model (higher is better; comparable within one answer).' }),
    confidence: Type.Number({ minimum: 0, maximum: 1, description: `1 − exp(−support / ${CONFIDENCE_K}), where support is how many shoppers or signals back the score.` }),
    rationale: Type.Array(
      Type.Object({
        kind: StringEnum(['bought_together_with', 'viewed_together_with', 'trending_in_category', 'affinity_category', 'popular']),
        detail: Type.Object({
          product_id: Type.Optional(Type.String({ description: 'The product it was bought or viewed together with.' })),
          category_id: Type.Optional(Type.String()),
          count: Type.Integer({ description: 'The support: shoppers who did both, or signals counted.' }),
        }),
      }),
      { description: 'Why it is recommended, strongest reason first (at most 3).' },
    ),
  },
  { $id: 'Recommendation' },
);

export const Recommendations = Type.Object(
  {
    data: Type.Array(Type.Ref(Recommendation)),
    model_version: Type.Union([Type.Integer(), Type.Null()], { description: 'The active model snapshot that ranked them; null before any model is active.' }),
    strategy: StringEnum(['cooccurrence', 'affinity', 'popularity', 'popularity_fallback'], {
      description: '`popularity_fallback`: the slot asked for co-occurrence or affinity but there was no model, or nothing for this input.',
    }),
    experiment: Type.Union([Type.Object({ key: Type.String(), variant: Type.String() }), Type.Null()]),
  },
  { $id: 'Recommendations' },
);

const Query = Type.Object(
  {
    slot: StringEnum(SLOTS, { description: 'Where the recommendations are shown.' }),
    product_id: Type.Optional(Id),
    cart_id: Type.Optional(Id),
    customer_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Secret keys only.' })),
    anonymous_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }),
    exclude: Type.Optional(Type.String({ maxLength: 6500, pattern: '^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$', description: 'Comma-separated product ids never to return.' })),
  },
  { additionalProperties: false },
);

/** `GET /v1/recommendations`: storefront recommendations (publishable or secret keys, `catalog:read`). */
export function recommendationsRoutes(deps: ModuleDeps, recommendations: RecommendationsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/recommendations',
      {
        config: { auth: { scopes: ['catalog:read'] }, meter: 'recommendation_calls' },
        schema: {
          tags: ['Personalization'],
          summary: 'Recommend products',
          description: [
            'Ranked products for a slot from the active model snapshot. `product_page`: products bought together with `product_id` (weight 1) and viewed together with it',
            `(weight ${VIEWED_WEIGHT}); \`cart\`/\`checkout\`: the same over the cart's items; \`home\`: popular products of the shopper's favourite categories`,
            '(`customer_id`, secret keys only, or `anonymous_id`). Without a model or without data for the input the answer is popularity, and `strategy` says `popularity_fallback`.',
            'Only published, in-stock products; never the product itself, the cart\'s items or `exclude`.',
            `\`confidence\` = 1 − exp(−support / ${CONFIDENCE_K}), support being the shoppers or signals behind the score (1 → 0.18, 5 → 0.63, 15 → 0.95).`,
            `Answers are cached in memory for ${ANSWER_TTL_MS / 1000} s (a new model or a catalog change shows at once; stock changes within that time).`,
          ].join(' '),
          querystring: Query,
          response: { 200: Type.Ref(Recommendations) },
        },
      },
      async (request, reply) => {
        const { exclude, ...q } = request.query;
        const answer = await recommendations.serve(serviceContext(request, deps), { ...q, exclude: exclude ? exclude.split(',') : [] });
        // a cached answer (no experiment) is serialized once and its body reused while it is cached
        return answer.experiment === null ? sendSerializedOnce(reply, answer, request.ctx.version) : answer;
      },
    );
  };
}
