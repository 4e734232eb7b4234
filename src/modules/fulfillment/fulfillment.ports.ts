import type { Queryable } from '../../platform/db/database.js';
import type { ServiceContext } from '../../platform/http/context.js';

/** What fulfillment needs of orders: shipped units recorded in the shipment's transaction. */
export interface FulfillmentOrdersPort {
  recordFulfillment(ctx: ServiceContext, tx: Queryable, orderId: string, lines: readonly { line_id: string; quantity: number }[]): Promise<unknown>;
}

/** What fulfillment needs of inventory: that the location a parcel leaves from exists (404 otherwise). */
export interface FulfillmentLocationsPort {
  get(ctx: ServiceContext, id: string): Promise<unknown>;
}
