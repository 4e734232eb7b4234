import { previousAttributes, type NewEvent } from '../../platform/events/outbox.js';
import type { Category, Product } from './catalog.schemas.js';

/** A variant's price in one currency, as `price.*` events carry it (the API has no price resource of its own). */
export interface PriceObject extends Record<string, unknown> {
  object: 'price';
  variant_id: string;
  sku: string;
  currency: string;
  amount: number;
}

function pricesOf(p: Product | undefined): Map<string, PriceObject> {
  const out = new Map<string, PriceObject>();
  for (const v of p?.variants ?? []) {
    for (const price of v.prices) out.set(`${v.id}|${price.currency}`, { object: 'price', variant_id: v.id, sku: v.sku, currency: price.currency, amount: price.amount });
  }
  return out;
}

/**
 * `price.created`, `price.updated` and `price.deleted`, one per (variant, currency) price that
 * appears, changes amount or disappears between two states of a product. A new variant's prices
 * appear and a removed variant's disappear too, so the `price.*` events alone keep a price feed
 * complete; the `product.*` event beside them carries the whole product.
 */
export function priceEvents(before: Product | undefined, after: Product | undefined): NewEvent[] {
  const [was, now] = [pricesOf(before), pricesOf(after)];
  const events: NewEvent[] = [];
  for (const [key, price] of now) {
    const old = was.get(key);
    if (!old) events.push({ type: 'price.created', object: price });
    else if (old.amount !== price.amount) events.push({ type: 'price.updated', object: price, previous: { amount: old.amount } });
  }
  for (const [key, price] of was) if (!now.has(key)) events.push({ type: 'price.deleted', object: price });
  return events;
}

/**
 * The events of one product write: `product.created`, or `product.updated` with what changed
 * (none for a write that changed nothing but `updated_at`), then its price events.
 * @example await emit(tx, ctx, productEvents(before, after));
 */
export function productEvents(before: Product | undefined, after: Product): NewEvent[] {
  if (!before) return [{ type: 'product.created', object: after }, ...priceEvents(undefined, after)];
  const previous = previousAttributes(before, after);
  if (!Object.keys(previous).length) return [];
  return [{ type: 'product.updated', object: after, previous }, ...priceEvents(before, after)];
}

/**
 * `product.deleted` with what the delete route answers, then a `price.deleted` per price the
 * product had.
 */
export function productDeletedEvents(before: Product): NewEvent[] {
  return [{ type: 'product.deleted', object: { id: before.id, object: 'product', deleted: true } }, ...priceEvents(before, undefined)];
}

/** `category.updated` for each category whose API object changed (a move rewrites its subtree's paths). */
export function categoryUpdatedEvents(pairs: readonly { before: Category; after: Category }[]): NewEvent[] {
  return pairs.flatMap(({ before, after }) => {
    const previous = previousAttributes(before, after);
    return Object.keys(previous).length ? [{ type: 'category.updated', object: after, previous }] : [];
  });
}
