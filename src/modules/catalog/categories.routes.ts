import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ListOf, ListQuery } from '../../platform/http/pagination.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { Category, CategoryCreate, CategoryPatch, Deleted, FieldsQuery, IdParams } from './catalog.schemas.js';
import type { CategoriesService } from './categories.service.js';

const READ = { auth: { scopes: ['catalog:read'] } } as const;
const WRITE = { auth: { scopes: ['catalog:write'] } } as const;
const tags = ['Categories'];

/** The category tree: a category's `path` runs from its root down to itself. */
export function categoriesRoutes(deps: ModuleDeps, categories: CategoriesService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/categories',
      {
        config: READ,
        schema: {
          tags,
          summary: 'List categories',
          querystring: Type.Object(
            { ...ListQuery, ...FieldsQuery, parent_id: Type.Optional(Type.String({ maxLength: 64, description: 'Children of this category; `root` for top-level ones.' })) },
            { additionalProperties: false },
          ),
          response: { 200: ListOf(Type.Ref(Category)), 304: Type.Null({ description: 'Not modified' }) },
        },
      },
      async (request, reply) => {
        const page = await categories.list(serviceContext(request, deps), request.query);
        reply.cacheable(undefined, ['categories', ...page.data.map((c) => `category-${c.id}`)]);
        return page;
      },
    );

    app.get(
      '/v1/categories/:id',
      {
        config: READ,
        schema: { tags, summary: 'Retrieve a category', params: IdParams, querystring: Type.Object(FieldsQuery, { additionalProperties: false }), response: { 200: Type.Ref(Category), 304: Type.Null({ description: 'Not modified' }) } },
      },
      async (request, reply) => {
        const category = await categories.get(serviceContext(request, deps), request.params.id);
        reply.cacheable(undefined, [`category-${category.id}`]);
        return category;
      },
    );

    app.post(
      '/v1/categories',
      { config: WRITE, schema: { tags, summary: 'Create a category', body: CategoryCreate, response: { 201: Type.Ref(Category) } } },
      async (request, reply) => reply.code(201).send(await categories.create(serviceContext(request, deps), request.body)),
    );

    app.patch(
      '/v1/categories/:id',
      { config: WRITE, schema: { tags, summary: 'Rename or move a category', params: IdParams, body: CategoryPatch, response: { 200: Type.Ref(Category) } } },
      async (request) => (await categories.update(serviceContext(request, deps), request.params.id, request.body)).category,
    );

    app.delete(
      '/v1/categories/:id',
      { config: WRITE, schema: { tags, summary: 'Delete an empty category', params: IdParams, response: { 200: Deleted('category') } } },
      async (request) => {
        await categories.remove(serviceContext(request, deps), request.params.id);
        return { id: request.params.id, object: 'category' as const, deleted: true as const };
      },
    );
  };
}
