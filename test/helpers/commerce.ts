import crypto from 'node:crypto';
import { expect } from 'vitest';
import type { TestApp } from './app.js';

/** A region, two shipping options, a stock location and products with stock: a store to check out in. */
export interface Store {
  regionId: string;
  flatId: string;
  weightId: string;
  locationId: string;
  skus: string[];
  variantIds: string[];
}

let counter = 0;

/** A unique upper-case tag for names, SKUs and countries of one test. */
export function tag(): string {
  counter++;
  return `${process.pid.toString(36)}${counter}${crypto.randomBytes(2).toString('hex')}`.toUpperCase();
}

async function ok<T>(t: TestApp, method: string, url: string, body?: unknown, status = 200, headers: Record<string, string> = {}): Promise<T> {
  const res = await t.call(method, url, { body, headers });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return res.json<T>();
}

/**
 * Creates a store: a USD region for `country` with an 8.875 % exclusive tax, a flat 500 option
 * (free over 10000) and a weight option, one location, and one product per price with `stock` units.
 */
export async function createStore(
  t: TestApp,
  opts: { country: string; prices?: number[]; stock?: number; taxRate?: number; inclusive?: boolean; capture?: 'automatic' | 'manual'; /** set it up in this partner's sandbox (Tessera-Partner) */ partner?: string },
): Promise<Store> {
  const id = tag();
  const h: Record<string, string> = opts.partner ? { 'tessera-partner': opts.partner } : {};
  const region = await ok<{ id: string }>(t, 'POST', '/v1/regions', { name: `Region ${id}`, currency: 'USD', countries: [opts.country], tax_rate: opts.taxRate ?? 8.875, tax_inclusive: opts.inclusive ?? false, capture_method: opts.capture ?? 'automatic' }, 201, h);
  const flat = await ok<{ id: string }>(t, 'POST', `/v1/regions/${region.id}/shipping_options`, { name: 'Standard', price: { type: 'flat', amount: 500 }, free_over_amount: 10_000 }, 201, h);
  const weight = await ok<{ id: string }>(
    t,
    'POST',
    `/v1/regions/${region.id}/shipping_options`,
    { name: 'By weight', price: { type: 'weight', bands: [{ max_grams: 1000, amount: 700 }, { max_grams: 5000, amount: 1500 }] } },
    201,
    h,
  );
  const location = await ok<{ id: string }>(t, 'POST', '/v1/stock_locations', { name: `Warehouse ${id}` }, 201, h);
  const skus: string[] = [];
  const variantIds: string[] = [];
  for (const [i, amount] of (opts.prices ?? [2500]).entries()) {
    const sku = `SKU-${id}-${i}`;
    const product = await ok<{ variants: { id: string }[] }>(t, 'POST', '/v1/products', { title: `Item ${id} ${i}`, status: 'published', variants: [{ sku, weight_grams: 400, prices: [{ currency: 'USD', amount }] }] }, 201, h);
    skus.push(sku);
    variantIds.push(product.variants[0]!.id);
    await ok(t, 'PUT', `/v1/stock_locations/${location.id}/levels/${sku}`, { on_hand: opts.stock ?? 100 }, 200, h);
  }
  return { regionId: region.id, flatId: flat.id, weightId: weight.id, locationId: location.id, skus, variantIds };
}

export const ADDRESS = { name: 'Ada Lovelace', line1: '1 Main St', city: 'Springfield', postal_code: '12345' };

/** A cart ready for checkout: one line, e-mail, address and the flat shipping option. */
export async function readyCart(t: TestApp, store: Store, opts: { country: string; sku?: string; quantity?: number; key?: string; email?: string; codes?: string[] }): Promise<string> {
  const key = opts.key ?? t.keys.publishable;
  const call = async (method: string, url: string, body: unknown, status = 200) => {
    const res = await t.call(method, url, { key, body });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
    return res.json<{ id: string }>();
  };
  const cart = await call('POST', '/v1/carts', { region_id: store.regionId, items: [{ sku: opts.sku ?? store.skus[0]!, quantity: opts.quantity ?? 1 }] }, 201);
  await call('PATCH', `/v1/carts/${cart.id}`, { email: opts.email ?? 'ada@example.com', shipping_address: { ...ADDRESS, country: opts.country } });
  await call('POST', `/v1/carts/${cart.id}/shipping`, { option_id: store.flatId });
  for (const code of opts.codes ?? []) await call('POST', `/v1/carts/${cart.id}/promotions`, { code });
  return cart.id;
}

/** Checks a cart out with a fresh idempotency key. */
export function checkout(t: TestApp, cartId: string, token = 'tok_visa', opts: { key?: string; idempotencyKey?: string; body?: Record<string, unknown> } = {}) {
  return t.call('POST', `/v1/carts/${cartId}/checkout`, {
    key: opts.key ?? t.keys.publishable,
    body: { payment: { token }, ...opts.body },
    headers: { 'idempotency-key': opts.idempotencyKey ?? crypto.randomUUID() },
  });
}

/** A country code no other test of this file uses (each file has its own database; regions claim countries). */
let countries = 0;
export function freshCountry(): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const n = countries++;
  return `${letters[n % 26]}${letters[Math.floor(n / 26) % 26]}`;
}

/** An authorisation as an emulated processor reports it. */
export interface Authorization {
  id: string;
  reference: string;
  status: string;
  amount: number;
  amount_captured: number;
  amount_refunded: number;
}

/** Every authorisation both emulated processors approved so far, read over HTTP as a processor dashboard would. */
export async function authorizations(t: TestApp): Promise<Authorization[]> {
  const all = [];
  for (const e of [t.emulators.simpay, t.emulators.altpay]) {
    const res = await fetch(`${e.url}/_control/authorizations`, { headers: { authorization: `Bearer ${e.apiKey}` } });
    const body = (await res.json()) as { data: Authorization[] };
    all.push(...body.data);
  }
  return all;
}
