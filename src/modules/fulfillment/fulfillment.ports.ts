import type { Queryable } from '../../platform/db/database.js';
import type { ServiceContext } from '../../platform/http/context.js';

/** What fulfillment needs of orders: shipped units recorded in the shipment's transaction, and completion on delivery. */
export interface FulfillmentOrdersPort {
  recordFulfillment(ctx: ServiceContext, tx: Queryable, orderId: string, lines: readonly { line_id: string; quantity: number }[]): Promise<unknown>;
  /** A fulfilled order whose shipments are all delivered becomes completed. */
  completeDelivered(ctx: ServiceContext, tx: Queryable, orderId: string): Promise<void>;
}

/** What fulfillment needs of inventory: that the location a parcel leaves from exists (404 otherwise). */
export interface FulfillmentLocationsPort {
  get(ctx: ServiceContext, id: string): Promise<unknown>;
}
