import type { Queryable } from '../../platform/db/database.js';
import type { ServiceContext } from '../../platform/http/context.js';

/** Units of a SKU a shipment takes. */
export interface ShippedUnits {
  sku: string;
  quantity: number;
}

/** What fulfillment needs of orders: shipped units recorded in the shipment's transaction, and completion on delivery. */
export interface FulfillmentOrdersPort {
  /**
   * Records the lines' shipped units; answers the order's stock allocation (its reservation, null
   * when it holds none) and the units per SKU the shipment takes from it.
   */
  recordFulfillment(ctx: ServiceContext, tx: Queryable, orderId: string, lines: readonly { line_id: string; quantity: number }[]): Promise<{ reservationId: string | null; units: readonly ShippedUnits[] }>;
  /** A fulfilled order whose shipments are all delivered becomes completed. */
  completeDelivered(ctx: ServiceContext, tx: Queryable, orderId: string): Promise<void>;
}

/** What fulfillment needs of inventory: the location a parcel leaves from (404 when unknown), and its stock leaving it. */
export interface FulfillmentInventoryPort {
  location(ctx: ServiceContext, id: string): Promise<unknown>;
  /**
   * Takes the shipped units off hand at `locationId` from the order's allocation, in the shipment's
   * transaction; refuses (409) units not allocated there or not allocated at all.
   */
  ship(ctx: ServiceContext, tx: Queryable, input: { reservationId: string; locationId: string; units: readonly ShippedUnits[] }): Promise<void>;
}
