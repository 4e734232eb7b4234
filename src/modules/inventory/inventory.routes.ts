import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, Errors } from '../../platform/http/errors.js';
import { ListOf, ListQuery } from '../../platform/http/pagination.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import type { InventoryService } from './inventory.service.js';
import { Availability, IdParams, Reservation, ReservationStatus, SkuParams, StockAdjustment } from './inventory.schemas.js';
import type { StockLevelsService } from './levels.service.js';

const READ = { auth: { scopes: ['inventory:read'] } } as const;
const WRITE = { auth: { scopes: ['inventory:write'] } } as const;
const tags = ['Inventory'];
const MAX_SKUS = 100;
const SKU = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Splits `?skus=A,B` and checks each SKU; a bad list is a 422 naming the parameter. */
export function parseSkus(raw: string): string[] {
  const skus = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = skus.filter((s) => !SKU.test(s));
  if (!skus.length || skus.length > MAX_SKUS || bad.length) {
    const detail = bad.length ? `Not a SKU: ${bad.slice(0, 5).map((s) => `"${s}"`).join(', ')}.` : `Give 1 to ${MAX_SKUS} comma-separated SKUs.`;
    throw new AppError(Errors.validationFailed, detail, [{ detail, parameter: 'skus' }]);
  }
  return skus;
}

/** Availability, per-SKU settings, the stock ledger and reservations (for debugging a checkout). */
export function inventoryRoutes(deps: ModuleDeps, inventory: InventoryService, stock: StockLevelsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/inventory/availability',
      {
        config: READ,
        schema: {
          tags,
          summary: 'Stock availability of SKUs',
          description: 'Per SKU: totals over active locations and each location\'s numbers. SKUs without stock come back with zeros, in the order asked.',
          querystring: Type.Object({ skus: Type.String({ minLength: 1, maxLength: 6600, description: `Comma-separated SKUs, at most ${MAX_SKUS}.` }) }, { additionalProperties: false }),
          response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(Type.Ref(Availability)) }) },
        },
      },
      async (request) => ({ object: 'list' as const, data: await stock.availability(serviceContext(request, deps), parseSkus(request.query.skus)) }),
    );

    app.get(
      '/v1/inventory_items/:sku',
      { config: READ, schema: { tags, summary: 'Retrieve the inventory of a SKU', params: SkuParams, response: { 200: Type.Ref(Availability) } } },
      async (request) => (await stock.availability(serviceContext(request, deps), [request.params.sku]))[0]!,
    );

    app.patch(
      '/v1/inventory_items/:sku',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Track or untrack the stock of a SKU',
          description: 'Untracked SKUs never run out (digital goods, made to order): reservations record them but hold no units.',
          params: SkuParams,
          body: Type.Object({ tracked: Type.Boolean() }, { additionalProperties: false }),
          response: { 200: Type.Ref(Availability) },
        },
      },
      async (request) => stock.setTracked(serviceContext(request, deps), request.params.sku, request.body.tracked),
    );

    app.get(
      '/v1/stock_adjustments',
      {
        config: READ,
        schema: {
          tags,
          summary: 'List stock adjustments',
          description: 'The ledger of every on_hand change (sets, adjustments, commits into orders, restocks), newest first.',
          querystring: Type.Object(
            {
              ...ListQuery,
              sku: Type.Optional(Type.String({ maxLength: 64 })),
              location_id: Type.Optional(Type.String({ maxLength: 64 })),
              reservation_id: Type.Optional(Type.String({ maxLength: 64 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: ListOf(Type.Ref(StockAdjustment)) },
        },
      },
      async (request) => stock.listAdjustments(serviceContext(request, deps), request.query),
    );

    app.get(
      '/v1/reservations',
      {
        config: READ,
        schema: {
          tags,
          summary: 'List reservations',
          description: 'Newest first; filter by `reference` (e.g. a cart id) to see the holds of one checkout.',
          querystring: Type.Object({ ...ListQuery, reference: Type.Optional(Type.String({ maxLength: 200 })), status: Type.Optional(ReservationStatus) }, { additionalProperties: false }),
          response: { 200: ListOf(Type.Ref(Reservation)) },
        },
      },
      async (request) => inventory.list(serviceContext(request, deps), request.query),
    );

    app.get(
      '/v1/reservations/:id',
      { config: READ, schema: { tags, summary: 'Retrieve a reservation', params: IdParams, response: { 200: Type.Ref(Reservation) } } },
      async (request) => inventory.get(serviceContext(request, deps), request.params.id),
    );

    app.post(
      '/v1/reservations/:id/release',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Release a reservation',
          description: 'Gives an active reservation\'s units back (a stuck checkout). Idempotent: a reservation that is no longer active is returned unchanged.',
          params: IdParams,
          response: { 200: Type.Ref(Reservation) },
        },
      },
      async (request) => inventory.release(serviceContext(request, deps), request.params.id),
    );
  };
}
