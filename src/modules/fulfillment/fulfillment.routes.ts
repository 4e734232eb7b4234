import { Type, type FastifyPluginAsyncTypebox, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { privateNoStore } from '../../platform/http/caching.js';
import { ListOf } from '../../platform/http/pagination.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { serviceContext, type ModuleDeps } from '../../platform/http/module.js';
import { IdParam } from '../../platform/http/schemas.js';
import { AppError } from '../../platform/http/errors.js';
import { adapterFor } from './carriers/index.js';
import { CarrierEmulator } from './carriers.emulator.js';
import type { CarrierIntake } from './carriers.intake.js';
import { FulfillmentErrors } from './fulfillment.errors.js';
import { CreateShipmentBody, Shipment, Tracking } from './fulfillment.schemas.js';
import type { ShipmentsService } from './shipments.service.js';

const tags = ['Fulfillment'];
// Seller keys ship and read their own shipments only: the service refuses other lines, and reads
// answer 404 for shipments that are not the caller's (`own`).
const SHIP = { auth: { scopes: ['orders:write'], sellers: true } } as const;
const READ = { auth: { scopes: ['orders:read'], sellers: true } } as const;

/** The shipment, if the caller may see it: operators see all, a seller key only its own (else 404, as if there were none). */
function own(ctx: ServiceContext, shipment: Shipment): Shipment {
  const seller = ctx.actor?.sellerId;
  if (seller && shipment.seller_id !== seller) throw new AppError(FulfillmentErrors.shipmentNotFound, `No shipment ${shipment.id}.`);
  return shipment;
}

/** Shipments (operators, and sellers for their own lines) and the carriers' inbound tracking webhooks (public, verified by the carrier's signature). */
export function fulfillmentRoutes(deps: ModuleDeps, shipments: ShipmentsService, intake: CarrierIntake, emulator: CarrierEmulator): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', privateNoStore);
    app.post(
      '/v1/orders/:id/shipments',
      {
        config: SHIP,
        schema: {
          tags,
          summary: 'Ship lines of an order',
          description:
            'The order becomes `partially_fulfilled`, then `fulfilled` once every unrefunded unit has shipped. The units leave on hand now, at `location_id`, which must be where checkout allocated them (409 `location_mismatch` otherwise). Tracking follows the carrier\'s webhooks, normalised to one set of statuses. ' +
            "A shipment carries one seller's lines (or only the platform's): mixing is refused (422). A seller key ships only its own lines; another seller's or a platform line answers 404.",
          params: IdParam,
          body: CreateShipmentBody,
          response: { 201: Type.Ref(Shipment) },
        },
      },
      async (request, reply) => reply.code(201).send(await shipments.create(serviceContext(request, deps), request.params.id, request.body)),
    );
    app.get(
      '/v1/orders/:id/shipments',
      { config: READ, schema: { tags, summary: "An order's shipments", description: 'A seller key sees only its own.', params: IdParam, response: { 200: ListOf(Type.Ref(Shipment)) } } },
      async (request) => {
        const ctx = serviceContext(request, deps);
        const seller = ctx.actor?.sellerId;
        const data = (await shipments.listForOrder(ctx, request.params.id)).filter((s) => !seller || s.seller_id === seller);
        return { object: 'list' as const, data, has_more: false, next_cursor: null };
      },
    );
    app.get(
      '/v1/shipments/:id',
      { config: READ, schema: { tags, summary: 'Retrieve a shipment', params: IdParam, response: { 200: Type.Ref(Shipment) } } },
      async (request) => {
        const ctx = serviceContext(request, deps);
        return own(ctx, await shipments.get(ctx, request.params.id));
      },
    );
    app.get(
      '/v1/shipments/:id/tracking',
      { config: READ, schema: { tags, summary: 'The canonical tracking timeline', params: IdParam, response: { 200: Tracking } } },
      async (request) => {
        const ctx = serviceContext(request, deps);
        own(ctx, await shipments.get(ctx, request.params.id));
        return shipments.tracking(ctx, request.params.id);
      },
    );

    app.post(
      '/v1/test_helpers/shipments/:id/advance',
      {
        config: { auth: { scopes: ['orders:write'] } },
        schema: {
          tags,
          summary: 'Make the emulated carrier send its next scan (test mode)',
          description:
            "The shipment's emulated carrier posts its next ordinary scan (or `raw_code`, any code, known or not) to this API's carrier webhook route over HTTP, in its own format and signed its own way, as the real carrier would. The status changes once the webhook is processed (moments later). UPS M→P→I→O→D, FedEx OC→PU→AR→DP→OD→DL, DHL PU→AF→DF→WC→OK, USPS MA→03→10→OF→01.",
          params: IdParam,
          body: Type.Object({ raw_code: Type.Optional(Type.String({ minLength: 1, maxLength: 10 })), raw_message: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
          response: { 200: Type.Object({ object: Type.Literal('carrier_scan_sent'), shipment_id: Type.String(), carrier: Type.String(), raw_code: Type.String(), webhook_status: Type.Integer() }) },
        },
      },
      async (request) => {
        const ctx = serviceContext(request, deps);
        if (ctx.env === 'live') throw new AppError(FulfillmentErrors.testModeOnly, 'Test helpers work with test-mode keys only.');
        const shipment = await shipments.get(ctx, request.params.id);
        const adapter = adapterFor(shipment.carrier);
        if (!adapter) throw new AppError(FulfillmentErrors.unknownCarrier, `No carrier ${shipment.carrier}.`);
        const code = request.body.raw_code ?? CarrierEmulator.nextCode(adapter, await shipments.sentCodes(ctx, shipment));
        const sent = await emulator.send(ctx.env, shipment.carrier, shipment.tracking_number, code, request.body.raw_message ?? `Emulated ${adapter.name} scan ${code}`).catch((err: unknown) => {
          throw new AppError(FulfillmentErrors.emulatorUnreachable, `The emulated ${adapter.name} could not reach this API: ${(err as Error).message}`);
        });
        return { object: 'carrier_scan_sent' as const, shipment_id: shipment.id, carrier: shipment.carrier, raw_code: code, webhook_status: sent.status };
      },
    );

    // The raw body is what the carrier signed: this route reads it as text, whatever its type.
    await app.register(async (plain) => {
      const raw = plain.withTypeProvider<TypeBoxTypeProvider>();
      raw.removeAllContentTypeParsers();
      raw.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
      raw.post(
        '/v1/carriers/:carrier/webhooks',
        {
          config: { auth: { public: true } },
          schema: {
            tags,
            summary: 'Receive a carrier tracking webhook',
            // no API key: the carrier's own signature authenticates the request
            security: [],
            description: "Verified with the carrier's own signature scheme (401 when it does not verify), stored as received, answered at once; its scans are applied in the background, once each.",
            params: Type.Object({ carrier: Type.String({ maxLength: 20 }) }),
            querystring: Type.Object({ sandbox: Type.Optional(Type.String({ maxLength: 60, description: "A partner sandbox's carrier account posts here with its sandbox (test mode only)." })) }, { additionalProperties: false }),
            response: { 202: Type.Object({ object: Type.Literal('carrier_webhook'), id: Type.String() }) },
          },
        },
        async (request, reply) => reply.code(202).send(await intake.receive(request.params.carrier, typeof request.body === 'string' ? request.body : '', request.headers, request.query.sandbox)),
      );
    });
  };
}
