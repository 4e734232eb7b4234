import { emit, type NewEvent } from '../../platform/events/outbox.js';
import type { ServiceContext } from '../../platform/http/context.js';
import { AppError } from '../../platform/http/errors.js';
import type { Queryable } from '../../platform/db/database.js';
import type { CarrierCode } from './carriers/carrier.js';
import { FulfillmentErrors } from './fulfillment.errors.js';
import type { FulfillmentInventoryPort, FulfillmentOrdersPort } from './fulfillment.ports.js';
import * as repo from './fulfillment.repo.js';
import type { Shipment } from './fulfillment.schemas.js';
import { shipmentSeller, type LineSellers } from './shipments.sellers.js';
import { currentScan, shipmentEventType } from './tracking.js';

export function presentShipment({ shipment: s, lines }: repo.ShipmentWithLines): Shipment {
  return {
    id: s.id,
    object: 'shipment',
    order_id: s.order_id,
    carrier: s.carrier,
    tracking_number: s.tracking_number,
    location_id: s.location_id,
    seller_id: s.seller_id,
    status: s.status,
    raw_code: s.raw_code,
    raw_message: s.raw_message,
    status_at: s.status_at?.toISOString() ?? null,
    delivered_at: s.delivered_at?.toISOString() ?? null,
    lines: lines.map((l) => ({ line_id: l.order_line_id, quantity: l.quantity })),
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at.toISOString(),
  };
}

export interface CreateShipment {
  lines: { line_id: string; quantity: number }[];
  carrier: CarrierCode;
  tracking_number: string;
  location_id: string;
}

/** Shipments of orders and their canonical tracking. */
export class ShipmentsService {
  constructor(
    private readonly orders: FulfillmentOrdersPort,
    private readonly inventory: FulfillmentInventoryPort,
    private readonly lineSellers: LineSellers = () => Promise.resolve(undefined),
  ) {}

  /**
   * Ships lines of a paid order: the shipment, the lines' shipped units, the order's status
   * (`partially_fulfilled`, then `fulfilled`) and the stock leaving `location_id` (taken from the
   * order's allocation there: 409 when the units are allocated elsewhere) change in one
   * transaction, with `shipment.created`. Scans the carrier sent for this tracking number before
   * the shipment existed apply at once.
   */
  async create(ctx: ServiceContext, orderId: string, input: CreateShipment): Promise<Shipment> {
    await this.inventory.location(ctx, input.location_id);
    const sellerId = await shipmentSeller(ctx, this.lineSellers, orderId, input.lines.map((l) => l.line_id));
    const merged = new Map<string, number>();
    for (const l of input.lines) merged.set(l.line_id, (merged.get(l.line_id) ?? 0) + l.quantity);
    const lines = [...merged].map(([line_id, quantity]) => ({ line_id, quantity }));
    const id = ctx.ids('shp');
    return ctx.db.transaction(async (tx) => {
      const recorded = await this.orders.recordFulfillment(ctx, tx, orderId, lines);
      if (recorded.reservationId) await this.inventory.ship(ctx, tx, { reservationId: recorded.reservationId, locationId: input.location_id, units: recorded.units });
      const now = ctx.now();
      const made = await repo.insertShipment(tx, { id, order_id: orderId, carrier: input.carrier, tracking_number: input.tracking_number, location_id: input.location_id, seller_id: sellerId, status: 'pre_transit', created_at: now }, lines);
      if (!made) throw new AppError(FulfillmentErrors.trackingNumberTaken, `${input.carrier} tracking number ${input.tracking_number} is already on a shipment.`, [{ detail: 'Already used.', pointer: '/tracking_number' }]);
      await this.refresh(ctx, tx, input.carrier, [input.tracking_number], false);
      const [created] = await repo.findShipments(tx, { ids: [id] });
      const shipment = presentShipment(created!);
      await emit(tx, ctx, { type: 'shipment.created', object: shipment });
      return shipment;
    });
  }

  async get(ctx: ServiceContext, id: string): Promise<Shipment> {
    const [found] = await repo.findShipments(ctx.db, { ids: [id] });
    if (!found) throw new AppError(FulfillmentErrors.shipmentNotFound, `No shipment ${id}.`);
    return presentShipment(found);
  }

  async listForOrder(ctx: ServiceContext, orderId: string): Promise<Shipment[]> {
    return (await repo.findShipments(ctx.db, { orderId })).map(presentShipment);
  }

  async tracking(ctx: ServiceContext, id: string) {
    const shipment = await this.get(ctx, id);
    const scans = await repo.scansOf(ctx.db, shipment.carrier, shipment.tracking_number);
    return {
      object: 'shipment_tracking' as const,
      shipment_id: shipment.id,
      carrier: shipment.carrier,
      tracking_number: shipment.tracking_number,
      status: shipment.status,
      events: scans.map((s) => ({ status: s.status, raw_code: s.raw_code, raw_message: s.raw_message, occurred_at: s.occurred_at.toISOString(), location: s.location, received_at: s.received_at.toISOString() })),
    };
  }

  /** The raw codes already received for a shipment's tracking number (the emulator's journey position). */
  async sentCodes(ctx: ServiceContext, shipment: Shipment): Promise<string[]> {
    return (await repo.scansOf(ctx.db, shipment.carrier, shipment.tracking_number)).map((s) => s.raw_code);
  }

  /**
   * Brings the shipments of these tracking numbers to the status of their newest known scan, in
   * `tx`, and announces each change (`shipment.in_transit`, `shipment.delivered`,
   * `shipment.exception`, …). A late, older scan changes nothing.
   */
  async refresh(ctx: ServiceContext, tx: Queryable, carrier: CarrierCode, trackingNumbers: readonly string[], announce = true): Promise<void> {
    if (!trackingNumbers.length) return;
    const found = await repo.findShipments(tx, { carrier, trackingNumbers }, true);
    if (!found.length) return;
    const scans = await repo.scansOfMany(tx, carrier, found.map((f) => f.shipment.tracking_number));
    const events: NewEvent[] = [];
    const now = ctx.now();
    for (const { shipment: s, lines } of found) {
      const scan = currentScan(scans.get(s.tracking_number) ?? []);
      if (!scan || (scan.status === s.status && scan.raw_code === s.raw_code && s.status_at?.getTime() === scan.occurred_at.getTime())) continue;
      await repo.updateStatus(tx, s.id, scan, now);
      if (scan.status === 'delivered' && s.status !== 'delivered') {
        const all = await repo.findShipments(tx, { orderId: s.order_id });
        if (all.every((x) => x.shipment.id === s.id || x.shipment.status === 'delivered')) await this.orders.completeDelivered(ctx, tx, s.order_id);
      }
      const type = shipmentEventType(scan.status);
      if (!announce || scan.status === s.status || !type) continue;
      const after: repo.ShipmentRow = {
        ...s,
        status: scan.status,
        raw_code: scan.raw_code,
        raw_message: scan.raw_message,
        status_at: scan.occurred_at,
        delivered_at: scan.status === 'delivered' ? (s.delivered_at ?? scan.occurred_at) : s.delivered_at,
        updated_at: now,
      };
      events.push({ type, object: presentShipment({ shipment: after, lines }), previous: { status: s.status, raw_code: s.raw_code } });
    }
    await emit(tx, ctx, events);
  }
}
