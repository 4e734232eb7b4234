import { AppError, defineErrors } from '../../platform/http/errors.js';

export const InventoryErrors = defineErrors({
  stockLocationNotFound: { code: 'stock_location_not_found', status: 404, title: 'Stock location not found' },
  stockLocationCodeTaken: { code: 'stock_location_code_taken', status: 409, title: 'Stock location code already in use' },
  reservationNotFound: { code: 'reservation_not_found', status: 404, title: 'Reservation not found' },
  outOfStock: { code: 'out_of_stock', status: 409, title: 'Out of stock' },
  reservationExpired: { code: 'reservation_expired', status: 409, title: 'Reservation expired' },
  reservationNotActive: { code: 'reservation_not_active', status: 409, title: 'Reservation is not active' },
  reservationNotCommitted: { code: 'reservation_not_committed', status: 409, title: 'Reservation is not committed' },
  invalidReservation: { code: 'invalid_reservation', status: 422, title: 'Invalid reservation request' },
  invalidAdjustment: { code: 'invalid_stock_adjustment', status: 422, title: 'Invalid stock adjustment' },
  onHandBelowReserved: { code: 'on_hand_below_reserved', status: 422, title: 'On-hand stock below reserved units' },
  restockExceedsCommitted: { code: 'restock_exceeds_committed', status: 422, title: 'Restock exceeds shipped units' },
  locationMismatch: { code: 'location_mismatch', status: 409, title: 'Units not allocated at this location' },
  shipmentExceedsAllocation: { code: 'shipment_exceeds_allocation', status: 409, title: 'Shipment exceeds the allocated units' },
});

/** One SKU a reservation could not cover. */
export interface Shortage {
  sku: string;
  requested: number;
  available: number;
}

/**
 * The 409 `out_of_stock` problem, with the short SKUs also as data (`shortages`), so checkout can
 * point at its own cart lines without parsing the detail text.
 */
export class OutOfStockError extends AppError {
  constructor(readonly shortages: readonly Shortage[]) {
    const list = shortages.map((s) => `sku ${s.sku}: ${s.requested} requested, ${s.available} available`);
    super(
      InventoryErrors.outOfStock,
      shortages.length === 1 ? `Not enough stock: ${list[0]}.` : `Not enough stock for ${shortages.length} SKUs: ${list.join('; ')}.`,
      list.map((detail) => ({ detail })),
    );
  }
}
