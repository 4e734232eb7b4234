import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ListOf, ListQuery } from '../../platform/http/pagination.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { AdjustBody, IdParams, LevelParams, SetLevelBody, StockAdjustmentCreated, StockLevel, StockLocation, StockLocationCreate, StockLocationPatch } from './inventory.schemas.js';
import type { StockLevelsService } from './levels.service.js';
import type { StockLocationsService } from './locations.service.js';

const READ = { auth: { scopes: ['inventory:read'] } } as const;
const WRITE = { auth: { scopes: ['inventory:write'] } } as const;
const tags = ['Inventory'];

/** Stock locations and the stock levels held at each. Operator routes (secret or restricted keys). */
export function locationsRoutes(deps: ModuleDeps, locations: StockLocationsService, stock: StockLevelsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/stock_locations',
      { config: WRITE, schema: { tags, summary: 'Create a stock location', body: StockLocationCreate, response: { 201: Type.Ref(StockLocation) } } },
      async (request, reply) => reply.code(201).send(await locations.create(serviceContext(request, deps), request.body)),
    );

    app.get(
      '/v1/stock_locations',
      {
        config: READ,
        schema: {
          tags,
          summary: 'List stock locations',
          querystring: Type.Object({ ...ListQuery, active: Type.Optional(Type.Boolean({ description: 'Only active (true) or inactive (false) locations.' })) }, { additionalProperties: false }),
          response: { 200: ListOf(Type.Ref(StockLocation)) },
        },
      },
      async (request) => locations.list(serviceContext(request, deps), request.query),
    );

    app.get(
      '/v1/stock_locations/:id',
      { config: READ, schema: { tags, summary: 'Retrieve a stock location', params: IdParams, response: { 200: Type.Ref(StockLocation) } } },
      async (request) => locations.get(serviceContext(request, deps), request.params.id),
    );

    app.patch(
      '/v1/stock_locations/:id',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Update a stock location',
          description: 'Deactivating a location keeps its stock and its current holds; new reservations take no stock from it.',
          params: IdParams,
          body: StockLocationPatch,
          response: { 200: Type.Ref(StockLocation) },
        },
      },
      async (request) => locations.update(serviceContext(request, deps), request.params.id, request.body),
    );

    app.get(
      '/v1/stock_locations/:id/levels',
      {
        config: READ,
        schema: {
          tags,
          summary: 'List the stock levels at a location',
          description: 'Ordered by SKU; the cursor is a SKU.',
          params: IdParams,
          querystring: Type.Object(ListQuery, { additionalProperties: false }),
          response: { 200: ListOf(Type.Ref(StockLevel)) },
        },
      },
      async (request) => stock.listAt(serviceContext(request, deps), request.params.id, request.query),
    );

    app.put(
      '/v1/stock_locations/:id/levels/:sku',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Set the stock of a SKU at a location',
          description: 'Sets `on_hand` (a stock count); recorded in the adjustments ledger. Refused with 422 `on_hand_below_reserved` below the units reserved by checkouts in progress.',
          params: LevelParams,
          body: SetLevelBody,
          response: { 200: Type.Ref(StockLevel) },
        },
      },
      async (request) => stock.set(serviceContext(request, deps), request.params.id, request.params.sku, request.body),
    );

    app.post(
      '/v1/stock_locations/:id/levels/:sku/adjustments',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Adjust the stock of a SKU at a location',
          description: 'Adds (received) or removes (damaged, lost) units atomically, with a reason for the ledger. Refused with 422 `on_hand_below_reserved` if on_hand would drop below the reserved units or zero.',
          params: LevelParams,
          body: AdjustBody,
          response: { 201: StockAdjustmentCreated },
        },
      },
      async (request, reply) => reply.code(201).send(await stock.adjust(serviceContext(request, deps), request.params.id, request.params.sku, request.body)),
    );
  };
}
