import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sendSerializedOnce } from '../../platform/http/caching.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { FieldsQuery, Product } from './catalog.schemas.js';
import type { SearchService } from './search.service.js';
import { Nullable, StringEnum } from '../../platform/http/schemas.js';

const READ = { auth: { scopes: ['catalog:read'] } } as const;

export const FacetBucket = Type.Object(
  {
    value: Type.String({ description: 'Brand, category id, seller id, attribute value, or price bucket such as `2500-5000` (`50000+` is open-ended).' }),
    count: Type.Integer({ description: 'Results with this value under every other filter: adding this value as the facet\'s only filter gives this `total_count`.' }),
    label: Type.Optional(Type.String({ description: 'Category facet: the category name.' })),
    from: Type.Optional(Type.Integer({ description: 'Price facet: lowest price in the bucket, minor units, inclusive (`price_min`).' })),
    to: Type.Optional(Nullable(Type.Integer(), { description: 'Price facet: bucket end, exclusive (`price_max` = to − 1); null when open.' })),
  },
  { $id: 'FacetBucket' },
);

export const SearchResult = Type.Object(
  {
    object: Type.Literal('list'),
    data: Type.Array(Type.Ref(Product)),
    has_more: Type.Boolean(),
    next_cursor: Nullable(Type.String(), { description: 'Pass as `starting_after` for the next page.' }),
    total_count: Type.Integer({ description: 'All results of the search, across pages.' }),
    facets: Type.Record(Type.String(), Type.Array(Type.Ref(FacetBucket)), { description: 'The requested facets by name, each value with its count.' }),
  },
  { $id: 'SearchResult' },
);

const list = (description: string) => Type.Optional(Type.String({ maxLength: 1000, description }));

const SearchQuerystring = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Full text over title, brand and description; tolerates typos in the title.' })),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A category id; includes its descendants.' })),
    brand: list('Brands, comma-separated (any of them); `\\,` escapes a comma inside a name.'),
    seller_id: list('Marketplace seller ids, comma-separated (any of them).'),
    currency: Type.String({ pattern: '^[A-Z]{3}$', default: 'USD', description: 'Currency of the price filter, sort and facet.' }),
    price_min: Type.Optional(Type.Integer({ minimum: 0, maximum: 99_999_999_999, description: 'Lowest variant price at least this, minor units.' })),
    price_max: Type.Optional(Type.Integer({ minimum: 0, maximum: 99_999_999_999, description: 'Lowest variant price at most this, minor units.' })),
    sort: Type.Optional(
      StringEnum(['relevance', 'price_asc', 'price_desc', 'newest'], {
        description: 'Default: `relevance` with `q`, else `newest`.',
      }),
    ),
    facets: list('Facets to count, comma-separated: `brand`, `category`, `price`, `seller_id`, `attr.<name>`.'),
    status: Type.Optional(StringEnum(['draft', 'published', 'archived', 'rejected'], { description: 'Secret keys only; publishable keys always see published products.' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, 1–100.' }),
    starting_after: Type.Optional(Type.String({ maxLength: 64, description: 'Cursor: the `next_cursor` of the previous page.' })),
    ...FieldsQuery,
  },
  {
    additionalProperties: false,
    // `attr.color=red,blue`: as many attribute filters as needed, each a comma-separated OR.
    patternProperties: { '^attr\\.[a-z][a-z0-9_]{0,39}$': { type: 'string', minLength: 1, maxLength: 1000 } },
  },
);

/** `GET /v1/products/search`: faceted search. Public-cacheable like the product list. */
export function searchRoutes(deps: ModuleDeps, search: SearchService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/products/search',
      {
        config: READ,
        schema: {
          tags: ['Products'],
          summary: 'Search products',
          description:
            'Full-text, typo-tolerant search with filters and facet counts. Each facet is counted under every filter except its own ' +
            '(so other brands stay visible once one is chosen); `data` and `total_count` apply all filters. ' +
            'Filter by attributes with `attr.<name>=<value>[,<value>…]`. Publishable keys see published products of sellers that are not suspended only ' +
            '(in `data`, `total_count` and every facet), without moderation fields.',
          querystring: SearchQuerystring,
          response: { 200: Type.Ref(SearchResult), 304: Type.Null({ description: 'Not modified' }) },
        },
      },
      async (request, reply) => {
        const page = await search.search(serviceContext(request, deps), request.query);
        reply.cacheable(undefined, ['products', ...page.data.map((p) => `product-${p.id}`)]);
        if (request.query.fields) return page; // the selection is applied, and the ETag computed, on send
        // A cached page is sent many times: serialized and hashed once per API version.
        return sendSerializedOnce(reply, page, request.ctx.version);
      },
    );
  };
}
