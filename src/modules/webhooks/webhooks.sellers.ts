/**
 * Which events a seller's own webhook endpoints receive (#5): an allow-list of seller-facing
 * types, and of those only the events about that seller. Everything else (orders, payments,
 * customers, other sellers) is the operator's alone.
 */

const PREFIXES = ['seller_order.', 'shipment.', 'product.', 'payout.', 'chargeback.'] as const;
const TYPES = ['seller.updated'] as const;

/** Whether a seller endpoint may receive events of `type` at all. */
export function sellerEventType(type: string): boolean {
  return PREFIXES.some((p) => type.startsWith(p)) || (TYPES as readonly string[]).includes(type);
}

/**
 * The seller an event is about, if its type is one sellers receive: `data.object.seller_id`, or
 * for `seller.updated` the seller itself. Null otherwise (no seller endpoint gets it).
 * @example eventSeller('seller_order.created', { id: 'so_1', seller_id: 'sel_1' }) // 'sel_1'
 */
export function eventSeller(type: string, object: Record<string, unknown>): string | null {
  if (!sellerEventType(type)) return null;
  const id = type.startsWith('seller.') ? object.id : object.seller_id;
  return typeof id === 'string' && id ? id : null;
}

/** Whether an endpoint (`sellerId` null: the operator's) may receive this event. */
export function endpointMayReceive(sellerId: string | null, type: string, object: Record<string, unknown>): boolean {
  return sellerId === null || eventSeller(type, object) === sellerId;
}

/**
 * Patterns of a seller endpoint's `enabled_events` that can never match an event it receives
 * (`order.*`, `payment.captured`, …): refused at creation, so a seller is not left waiting for
 * events it will never get. `*` is fine: it means every seller-facing event.
 */
export function unreachablePatterns(patterns: readonly string[]): string[] {
  return patterns.filter((p) => {
    if (p === '*' || p === 'seller.*') return false;
    const base = p.endsWith('.*') ? p.slice(0, -1) : p;
    return !sellerEventType(base);
  });
}
