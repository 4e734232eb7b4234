import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { eventsOf } from './helpers/events.js';
import { api, ok, problem } from './helpers/sdk.js';

let t: TestApp;
let admin: TesseraClient;
let shop: TesseraClient;
beforeAll(async () => {
  t = await startTestApp();
  admin = api(t);
  shop = api(t, t.keys.publishable);
});
afterAll(() => t.close());

const us = { name: 'United States', currency: 'USD', countries: ['US'], tax_rate: 8.875 };
const byId = (id: string) => ({ params: { path: { id } } });

describe('regions', () => {
  it('creates, reads, lists, updates and deletes a region', async () => {
    const region = ok(await admin.POST('/v1/regions', { body: { ...us, tax_inclusive: false, capture_method: 'manual' } }), 201);
    expect(region).toMatchObject({ object: 'region', currency: 'USD', countries: ['US'], tax_rate: 8.875, tax_inclusive: false, tax_overrides: [], capture_method: 'manual' });
    expect(region.id).toMatch(/^reg_/);

    expect(ok(await shop.GET('/v1/regions/{id}', byId(region.id)))).toEqual(region);
    const list = ok(await admin.GET('/v1/regions'));
    expect(list.data.map((r) => r.id)).toContain(region.id);

    // invalid on purpose: carts and orders are priced in the currency, so it never changes (not in the update's type)
    const currency = await t.call('PATCH', `/v1/regions/${region.id}`, { body: { currency: 'EUR' } });
    expect(currency.statusCode).toBe(422);
    const patched = ok(await admin.PATCH('/v1/regions/{id}', { ...byId(region.id), body: { countries: ['US', 'PR'], tax_rate: 7 } }), 200);
    expect(patched).toMatchObject({ countries: ['PR', 'US'], tax_rate: 7 });

    expect(ok(await admin.DELETE('/v1/regions/{id}', byId(region.id)))).toEqual({ id: region.id, object: 'region', deleted: true });
    problem(await admin.GET('/v1/regions/{id}', byId(region.id)), 404);
  });

  it('gives a country to one region only', async () => {
    ok(await admin.POST('/v1/regions', { body: { ...us, countries: ['CA'] } }), 201);
    const second = problem(await admin.POST('/v1/regions', { body: { ...us, name: 'Canada again', countries: ['MX', 'CA'] } }), 409);
    expect(second).toMatchObject({ code: 'country_in_use', errors: [{ pointer: '/countries' }] });
    // nothing half-written: MX is still free
    ok(await admin.POST('/v1/regions', { body: { ...us, name: 'Mexico', countries: ['MX'] } }), 201);
  });

  it('validates rates, currencies and category overrides', async () => {
    const bad = problem(await admin.POST('/v1/regions', { body: { ...us, countries: ['DE'], tax_rate: 8.12345 } }), 422);
    expect(bad.errors![0]!.pointer).toBe('/tax_rate');
    problem(await admin.POST('/v1/regions', { body: { ...us, countries: ['DE'], currency: 'usd' } }), 422);
    const override = problem(await admin.POST('/v1/regions', { body: { ...us, countries: ['DE'], tax_overrides: [{ category_id: 'cat_missing', tax_rate: 7 }] } }), 422);
    expect(override).toMatchObject({ code: 'invalid_region', errors: [{ pointer: '/tax_overrides/0/category_id' }] });

    const cat = ok(await admin.POST('/v1/categories', { body: { name: 'Food', handle: 'food-regions' } }));
    const created = await admin.POST('/v1/regions', { body: { ...us, countries: ['DE'], currency: 'EUR', tax_rate: 19, tax_inclusive: true, tax_overrides: [{ category_id: cat.id, tax_rate: 7 }] } });
    expect(ok(created, 201)).toMatchObject({ tax_rate: 19, tax_inclusive: true, tax_overrides: [{ category_id: cat.id, tax_rate: 7 }] });
  });

  it('lets storefronts read but not write regions', async () => {
    problem(await shop.POST('/v1/regions', { body: { ...us, countries: ['FR'] } }), 403);
  });
});

describe('shipping options', () => {
  it('creates flat and weight-band options, and refuses bands out of order', async () => {
    const region = ok(await admin.POST('/v1/regions', { body: { ...us, countries: ['GB'] } }));
    const options = (body: { name: string; price: { type: 'flat'; amount: number } | { type: 'weight'; bands: { max_grams: number | null; amount: number }[] }; free_over_amount?: number }) =>
      admin.POST('/v1/regions/{id}/shipping_options', { ...byId(region.id), body });
    const flat = ok(await options({ name: 'Standard', price: { type: 'flat', amount: 500 }, free_over_amount: 5000 }), 201);
    expect(flat).toMatchObject({ object: 'shipping_option', region_id: region.id, price: { type: 'flat', amount: 500 }, free_over_amount: 5000, active: true });

    const weight = ok(await options({ name: 'Heavy', price: { type: 'weight', bands: [{ max_grams: 1000, amount: 500 }, { max_grams: null, amount: 900 }] } }), 201);

    const disorder = problem(await options({ name: 'Bad', price: { type: 'weight', bands: [{ max_grams: 2000, amount: 1 }, { max_grams: 1000, amount: 2 }] } }), 422);
    expect(disorder.errors![0]!.pointer).toBe('/price/bands/1/max_grams');

    const listed = ok(await shop.GET('/v1/regions/{id}/shipping_options', byId(region.id)));
    expect(listed.data).toHaveLength(2);

    const patched = ok(await admin.PATCH('/v1/shipping_options/{id}', { ...byId(flat.id), body: { active: false, free_over_amount: null } }));
    expect(patched).toMatchObject({ active: false, free_over_amount: null });
    ok(await admin.DELETE('/v1/shipping_options/{id}', byId(weight.id)), 200);
    problem(await admin.GET('/v1/shipping_options/{id}', byId(weight.id)), 404);
  });
});

describe('region and shipping option events', () => {
  it('each write emits its event in its transaction, updates with previous_attributes', async () => {
    const region = ok(await admin.POST('/v1/regions', { body: { name: 'Evented', currency: 'EUR', countries: ['LU'], tax_rate: 17 } }));
    ok(await admin.PATCH('/v1/regions/{id}', { ...byId(region.id), body: { tax_rate: 16 } }), 200);
    problem(await admin.POST('/v1/regions', { body: { name: 'Clash', currency: 'EUR', countries: ['LU'], tax_rate: 1 } }), 409);
    const option = ok(await admin.POST('/v1/regions/{id}/shipping_options', { ...byId(region.id), body: { name: 'Post', price: { type: 'flat', amount: 300 } } }));
    ok(await admin.PATCH('/v1/shipping_options/{id}', { ...byId(option.id), body: { name: 'Post+' } }), 200);
    ok(await admin.DELETE('/v1/shipping_options/{id}', byId(option.id)), 200);
    ok(await admin.DELETE('/v1/regions/{id}', byId(region.id)), 200);

    const regionEvents = await eventsOf(t, ['region.*'], region.id);
    expect(regionEvents.map((e) => e.type)).toEqual(['region.created', 'region.updated', 'region.deleted']);
    expect(regionEvents[0]!.data.object).toMatchObject({ id: region.id, countries: ['LU'], tax_rate: 17 });
    expect(regionEvents[1]!.data.previous_attributes).toEqual({ tax_rate: 17 });
    const optionEvents = await eventsOf(t, ['shipping_option.*'], option.id);
    expect(optionEvents.map((e) => e.type)).toEqual(['shipping_option.created', 'shipping_option.updated', 'shipping_option.deleted']);
    expect(optionEvents[1]!.data.previous_attributes).toEqual({ name: 'Post' });
  });
});
