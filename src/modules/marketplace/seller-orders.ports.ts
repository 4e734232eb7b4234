import type { Queryable } from '../../platform/db/database.js';
import type { ServiceContext } from '../../platform/http/context.js';
import type { SellerOrderStatus } from './seller-orders.status.js';

/** An order as seller orders need it: what the orders module's API shows of it. */
export interface OrderFacts {
  id: string;
  status: SellerOrderStatus;
  currency: string;
  /** The order's totals as the API shows them; `shipping_total` is what seller orders share. */
  totals: unknown;
  lines: readonly {
    id: string;
    product_id: string;
    sku: string;
    title: string;
    seller_id: string | null;
    quantity: number;
    tax: number;
    total: number;
    quantity_fulfilled: number;
    quantity_refunded: number;
  }[];
}

/**
 * Seller orders read other modules from inside the dispatcher's transaction (`tx`): every port
 * reads through it, never through a second pool connection.
 */

/** What seller orders need of the orders module: an order as it stands (undefined when there is none). */
export interface SellerOrdersOrdersPort {
  find(ctx: ServiceContext, tx: Queryable, orderId: string): Promise<OrderFacts | undefined>;
}

/** What seller orders need of fulfillment: an order's shipments, their lines and delivery. */
export interface SellerOrdersShipmentsPort {
  ofOrder(ctx: ServiceContext, tx: Queryable, orderId: string): Promise<readonly { id: string; status: string; delivered_at: string | null; lines: readonly { line_id: string }[] }[]>;
}

/**
 * What seller orders need of the catalog: each product's category paths, one root → category
 * path per category of the product (what commission rates are looked up by). Products without
 * categories, or gone, map to `[]`.
 */
export interface SellerOrdersCatalogPort {
  categoryPaths(ctx: ServiceContext, tx: Queryable, productIds: readonly string[]): Promise<Map<string, string[][]>>;
}
