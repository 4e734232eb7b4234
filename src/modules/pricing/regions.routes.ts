import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ListOf, ListQuery } from '../../platform/http/pagination.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { DeletedOf, IdParam } from '../../platform/http/schemas.js';
import { Region, RegionCreate, RegionPatch, ShippingOption, ShippingOptionCreate, ShippingOptionPatch } from './pricing.schemas.js';
import type { RegionsService } from './regions.service.js';

// Storefronts read regions (to create a cart in the right currency) with a publishable key.
const READ = { auth: { scopes: ['catalog:read'] } } as const;
const WRITE = { auth: { scopes: ['regions:write'] } } as const;
const tags = ['Regions'];

/** Regions and shipping options: readable by storefronts, written by the operator. */
export function regionsRoutes(deps: ModuleDeps, regions: RegionsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/regions',
      { config: READ, schema: { tags, summary: 'List regions', querystring: Type.Object(ListQuery, { additionalProperties: false }), response: { 200: ListOf(Type.Ref(Region)) } } },
      async (request) => regions.list(serviceContext(request, deps), request.query),
    );
    app.get(
      '/v1/regions/:id',
      { config: READ, schema: { tags, summary: 'Retrieve a region', params: IdParam, response: { 200: Type.Ref(Region) } } },
      async (request) => regions.get(serviceContext(request, deps), request.params.id),
    );
    app.post(
      '/v1/regions',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Create a region',
          description: 'A currency, the countries it serves (each in one region at most), a tax rate (exclusive, or inclusive like VAT) with per-category overrides, and the capture method of its payments.',
          body: RegionCreate,
          response: { 201: Type.Ref(Region) },
        },
      },
      async (request, reply) => reply.code(201).send(await regions.create(serviceContext(request, deps), request.body)),
    );
    app.patch(
      '/v1/regions/:id',
      { config: WRITE, schema: { tags, summary: 'Update a region', params: IdParam, body: RegionPatch, response: { 200: Type.Ref(Region) } } },
      async (request) => regions.update(serviceContext(request, deps), request.params.id, request.body),
    );
    app.delete(
      '/v1/regions/:id',
      { config: WRITE, schema: { tags, summary: 'Delete a region and its shipping options', params: IdParam, response: { 200: DeletedOf('region') } } },
      async (request) => {
        await regions.remove(serviceContext(request, deps), request.params.id);
        return { id: request.params.id, object: 'region' as const, deleted: true as const };
      },
    );

    app.get(
      '/v1/regions/:id/shipping_options',
      {
        config: READ,
        schema: { tags, summary: "List a region's shipping options", params: IdParam, response: { 200: ListOf(Type.Ref(ShippingOption)) } },
      },
      async (request) => {
        const data = await regions.listShippingOptions(serviceContext(request, deps), request.params.id);
        return { object: 'list' as const, data, has_more: false, next_cursor: null };
      },
    );
    app.post(
      '/v1/regions/:id/shipping_options',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Create a shipping option',
          description: 'A flat rate or weight bands (by total cart weight), optionally free once the discounted subtotal reaches `free_over_amount`.',
          params: IdParam,
          body: ShippingOptionCreate,
          response: { 201: Type.Ref(ShippingOption) },
        },
      },
      async (request, reply) => reply.code(201).send(await regions.createShippingOption(serviceContext(request, deps), request.params.id, request.body)),
    );
    app.get(
      '/v1/shipping_options/:id',
      { config: READ, schema: { tags, summary: 'Retrieve a shipping option', params: IdParam, response: { 200: Type.Ref(ShippingOption) } } },
      async (request) => regions.getShippingOption(serviceContext(request, deps), request.params.id),
    );
    app.patch(
      '/v1/shipping_options/:id',
      { config: WRITE, schema: { tags, summary: 'Update a shipping option', params: IdParam, body: ShippingOptionPatch, response: { 200: Type.Ref(ShippingOption) } } },
      async (request) => regions.updateShippingOption(serviceContext(request, deps), request.params.id, request.body),
    );
    app.delete(
      '/v1/shipping_options/:id',
      { config: WRITE, schema: { tags, summary: 'Delete a shipping option', params: IdParam, response: { 200: DeletedOf('shipping_option') } } },
      async (request) => {
        await regions.removeShippingOption(serviceContext(request, deps), request.params.id);
        return { id: request.params.id, object: 'shipping_option' as const, deleted: true as const };
      },
    );
  };
}
