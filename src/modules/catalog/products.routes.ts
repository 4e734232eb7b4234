import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sendSerializedOnce } from '../../platform/http/caching.js';
import { ListOf, ListQuery } from '../../platform/http/pagination.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { Deleted, FieldsQuery, IdParams, Product, PRODUCT_STATUSES, ProductCreate, ProductModerate, ProductPatch, VariantInput, VariantPatch } from './catalog.schemas.js';
import type { ProductsService } from './products.service.js';
import { StringEnum } from '../../platform/http/schemas.js';

// Seller keys may use the product routes: the service confines them to the seller's own products.
const READ = { auth: { scopes: ['catalog:read'], sellers: true } } as const;
const WRITE = { auth: { scopes: ['catalog:write'], sellers: true } } as const;
const MODERATE = { auth: { scopes: ['catalog:write'] } } as const;
const tags = ['Products'];
const VariantParams = Type.Object({ id: Type.String({ maxLength: 64 }), variant_id: Type.String({ maxLength: 64 }) }, { additionalProperties: false });

/**
 * Product CRUD. Reads are public-cacheable (ETag, Cache-Control, surrogate keys); writes need
 * `catalog:write`. Seller keys see and write their own products only, as drafts; operators moderate.
 */
export function productsRoutes(deps: ModuleDeps, products: ProductsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/products/:id',
      {
        config: READ,
        schema: {
          tags,
          summary: 'Retrieve a product',
          description:
            'Publishable keys see published products of sellers that are not suspended only, without `moderation_reason`, `moderated_at` and `seller_suspended`. Answers `If-None-Match` with 304.',
          params: IdParams,
          querystring: Type.Object(FieldsQuery, { additionalProperties: false }),
          response: { 200: Type.Ref(Product), 304: Type.Null({ description: 'Not modified' }) },
        },
      },
      async (request, reply) => {
        const cached = await products.get(serviceContext(request, deps), request.params.id);
        reply.cacheable(cached.segment, cached.surrogateKeys);
        if (request.query.fields) return cached.product; // the selection is applied, and the ETag computed, on send
        return sendSerializedOnce(reply, cached.product, request.ctx.version);
      },
    );

    app.get(
      '/v1/products',
      {
        config: READ,
        schema: {
          tags,
          summary: 'List products',
          description:
            'Ordered by id (creation time). Publishable keys see published products of sellers that are not suspended only, without moderation fields; seller keys their own products only.',
          querystring: Type.Object(
            {
              ...ListQuery,
              ...FieldsQuery,
              status: Type.Optional(StringEnum(PRODUCT_STATUSES)),
              seller_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "One seller's products." })),
            },
            { additionalProperties: false },
          ),
          response: { 200: ListOf(Type.Ref(Product)), 304: Type.Null({ description: 'Not modified' }) },
        },
      },
      async (request, reply) => {
        const page = await products.list(serviceContext(request, deps), request.query);
        reply.cacheable(undefined, ['products', ...page.data.map((p) => `product-${p.id}`)]);
        if (request.query.fields) return page;
        return sendSerializedOnce(reply, page, request.ctx.version);
      },
    );

    app.post(
      '/v1/products',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Create a product',
          description: 'With a seller key: the product is the seller\'s (`seller_id` may only name it) and a `draft` until an operator publishes it.',
          body: ProductCreate,
          response: { 201: Type.Ref(Product) },
        },
      },
      async (request, reply) => reply.code(201).send(await products.create(serviceContext(request, deps), request.body)),
    );

    app.patch(
      '/v1/products/:id',
      { config: WRITE, schema: { tags, summary: 'Update a product', params: IdParams, body: ProductPatch, response: { 200: Type.Ref(Product) } } },
      async (request) => products.update(serviceContext(request, deps), request.params.id, request.body),
    );

    app.delete(
      '/v1/products/:id',
      { config: WRITE, schema: { tags, summary: 'Delete a product', params: IdParams, response: { 200: Deleted('product') } } },
      async (request) => {
        await products.remove(serviceContext(request, deps), request.params.id);
        return { id: request.params.id, object: 'product' as const, deleted: true as const };
      },
    );

    app.post(
      '/v1/products/:id/moderate',
      {
        config: MODERATE,
        schema: {
          tags,
          summary: 'Moderate a listing',
          description: 'Publishes a draft or rejected product, or rejects a draft or published one with a reason its seller sees. A seller\'s edit of a rejected product puts it back to draft.',
          params: IdParams,
          body: ProductModerate,
          response: { 200: Type.Ref(Product) },
        },
      },
      async (request) => products.moderate(serviceContext(request, deps), request.params.id, request.body),
    );

    app.post(
      '/v1/products/:id/variants',
      { config: WRITE, schema: { tags, summary: 'Add a variant', params: IdParams, body: VariantInput, response: { 201: Type.Ref(Product) } } },
      async (request, reply) => reply.code(201).send(await products.addVariant(serviceContext(request, deps), request.params.id, request.body)),
    );

    app.patch(
      '/v1/products/:id/variants/:variant_id',
      { config: WRITE, schema: { tags, summary: 'Update a variant', params: VariantParams, body: VariantPatch, response: { 200: Type.Ref(Product) } } },
      async (request) => products.updateVariant(serviceContext(request, deps), request.params.id, request.params.variant_id, request.body),
    );

    app.delete(
      '/v1/products/:id/variants/:variant_id',
      { config: WRITE, schema: { tags, summary: 'Delete a variant', params: VariantParams, response: { 200: Type.Ref(Product) } } },
      async (request) => products.removeVariant(serviceContext(request, deps), request.params.id, request.params.variant_id),
    );
  };
}
