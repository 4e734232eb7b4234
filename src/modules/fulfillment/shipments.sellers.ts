import type { ServiceContext } from '../../platform/http/context.js';
import { AppError, defineErrors } from '../../platform/http/errors.js';

export const ShipmentSellerErrors = defineErrors({
  orderNotFound: { code: 'order_not_found', status: 404, title: 'Order not found' },
  lineNotFound: { code: 'order_line_not_found', status: 404, title: 'Order line not found' },
  mixedSellers: { code: 'shipment_mixes_sellers', status: 422, title: 'A shipment carries one seller’s lines only' },
});

/** The sellers of an order's lines (null: the platform's own line); undefined when there is no such order. */
export type LineSellers = (ctx: ServiceContext, orderId: string) => Promise<ReadonlyMap<string, string | null> | undefined>;

/**
 * The seller a new shipment of these lines belongs to, checked before anything is written: all
 * its lines must be one seller's (or all the platform's), and a seller key ships only its own
 * lines. To a seller key, an order without any of its lines does not exist (404), and another
 * seller's or a platform line is not found either (404): nothing about them is revealed.
 */
export async function shipmentSeller(ctx: ServiceContext, lineSellers: LineSellers, orderId: string, lineIds: readonly string[]): Promise<string | null> {
  const caller = ctx.actor?.sellerId ?? null;
  const sellers = await lineSellers(ctx, orderId);
  if (caller && (!sellers || ![...sellers.values()].includes(caller))) throw new AppError(ShipmentSellerErrors.orderNotFound, `No order ${orderId}.`);
  if (!sellers) return null; // the orders module answers for an unknown order
  const found = new Set<string | null>();
  for (const [i, id] of lineIds.entries()) {
    if (!sellers.has(id)) continue; // the orders module refuses unknown lines (422)
    const seller = sellers.get(id) ?? null;
    if (caller && seller !== caller) throw new AppError(ShipmentSellerErrors.lineNotFound, `Order ${orderId} has no line ${id} of yours.`, [{ detail: 'Not one of your lines.', pointer: `/lines/${i}/line_id` }]);
    found.add(seller);
  }
  if (found.size > 1) {
    const who = [...found].map((s) => s ?? 'the platform').join(', ');
    throw new AppError(ShipmentSellerErrors.mixedSellers, `These lines belong to different sellers (${who}); ship each seller's lines in its own shipment.`, [{ detail: 'Lines of more than one seller.', pointer: '/lines' }]);
  }
  return [...found][0] ?? null;
}
