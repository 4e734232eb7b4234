import type { Shortage } from './inventory.errors.js';

/** What a reservation asks for: units of one SKU. */
export interface RequestedLine {
  sku: string;
  quantity: number;
}

/** One location's stock of one SKU, as read (and locked) inside the reserving transaction. */
export interface LevelSnapshot {
  sku: string;
  location_id: string;
  on_hand: number;
  reserved: number;
}

/** Units of a SKU taken from one location. */
export interface Allocation {
  sku: string;
  location_id: string;
  quantity: number;
}

export type AllocationResult = { ok: true; allocations: Allocation[] } | { ok: false; shortages: Shortage[] };

/**
 * Adds up the quantities of repeated SKUs and sorts by SKU: the reserving transaction locks SKUs
 * in this order, so two reservations never wait on each other in opposite orders.
 * @example mergeLines([{ sku: 'B', quantity: 1 }, { sku: 'A', quantity: 2 }, { sku: 'B', quantity: 3 }])
 *   // [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 4 }]
 */
export function mergeLines(lines: readonly RequestedLine[]): RequestedLine[] {
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.sku, (totals.get(line.sku) ?? 0) + line.quantity);
  return [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
}

/**
 * Allocates every requested SKU greedily: from the location with the most available units first
 * (ties: lowest location id), splitting across locations when one is not enough. All or nothing:
 * if any SKU falls short, the result lists every short SKU and allocates none.
 * @example allocate([{ sku: 'A', quantity: 5 }], [{ sku: 'A', location_id: 'l1', on_hand: 3, reserved: 0 }, { sku: 'A', location_id: 'l2', on_hand: 4, reserved: 0 }])
 *   // { ok: true, allocations: [{ sku: 'A', location_id: 'l2', quantity: 4 }, { sku: 'A', location_id: 'l1', quantity: 1 }] }
 */
export function allocate(requests: readonly RequestedLine[], levels: readonly LevelSnapshot[]): AllocationResult {
  const bySku = new Map<string, LevelSnapshot[]>();
  for (const level of levels) {
    const list = bySku.get(level.sku) ?? [];
    list.push(level);
    bySku.set(level.sku, list);
  }
  const allocations: Allocation[] = [];
  const shortages: Shortage[] = [];
  for (const request of requests) {
    const candidates = (bySku.get(request.sku) ?? [])
      .map((l) => ({ location_id: l.location_id, available: Math.max(0, l.on_hand - l.reserved) }))
      .filter((c) => c.available > 0)
      .sort((a, b) => b.available - a.available || (a.location_id < b.location_id ? -1 : 1));
    const available = candidates.reduce((sum, c) => sum + c.available, 0);
    if (available < request.quantity) {
      shortages.push({ sku: request.sku, requested: request.quantity, available });
      continue;
    }
    let remaining = request.quantity;
    for (const c of candidates) {
      if (remaining === 0) break;
      const take = Math.min(remaining, c.available);
      allocations.push({ sku: request.sku, location_id: c.location_id, quantity: take });
      remaining -= take;
    }
  }
  return shortages.length ? { ok: false, shortages } : { ok: true, allocations };
}
