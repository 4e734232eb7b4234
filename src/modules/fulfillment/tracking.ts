import type { CanonicalStatus } from './carriers/carrier.js';

/** A scan as stored: its canonical status beside the raw code and message. */
export interface Scan {
  raw_code: string;
  raw_message: string;
  status: CanonicalStatus;
  occurred_at: Date;
  location: string | null;
  received_at: Date;
}

/**
 * The scan a shipment's status follows: the newest by the time the carrier says it happened (ties:
 * the later arrival), skipping `unknown` ones. Scans arrive out of order; taking the newest by
 * event time means an older scan that arrives late (an "in transit" after "delivered") changes
 * nothing. Undefined when no scan is known.
 */
export function currentScan(scans: readonly Scan[]): Scan | undefined {
  let best: Scan | undefined;
  for (const s of scans) {
    if (s.status === 'unknown') continue;
    if (!best || s.occurred_at > best.occurred_at || (s.occurred_at.getTime() === best.occurred_at.getTime() && s.received_at > best.received_at)) best = s;
  }
  return best;
}

/** The webhook event a move to `status` announces; `pre_transit` has none (shipment.created covers it). */
export function shipmentEventType(status: CanonicalStatus): string | null {
  switch (status) {
    case 'in_transit':
    case 'out_for_delivery':
    case 'available_for_pickup':
    case 'delivered':
    case 'cancelled':
      return `shipment.${status}`;
    case 'delivery_failed':
    case 'on_hold':
    case 'return_to_sender':
      return 'shipment.exception';
    default:
      return null;
  }
}
