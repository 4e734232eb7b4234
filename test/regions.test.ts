import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { eventsOf } from './helpers/events.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const us = { name: 'United States', currency: 'USD', countries: ['US'], tax_rate: 8.875 };

describe('regions', () => {
  it('creates, reads, lists, updates and deletes a region', async () => {
    const created = await t.call('POST', '/v1/regions', { body: { ...us, tax_inclusive: false, capture_method: 'manual' } });
    expect(created.statusCode, created.body).toBe(201);
    const region = created.json();
    expect(region).toMatchObject({ object: 'region', currency: 'USD', countries: ['US'], tax_rate: 8.875, tax_inclusive: false, tax_overrides: [], capture_method: 'manual' });
    expect(region.id).toMatch(/^reg_/);

    expect((await t.call('GET', `/v1/regions/${region.id}`, { key: t.keys.publishable })).json()).toEqual(region);
    const list = (await t.call('GET', '/v1/regions')).json();
    expect(list.data.map((r: { id: string }) => r.id)).toContain(region.id);

    const currency = await t.call('PATCH', `/v1/regions/${region.id}`, { body: { currency: 'EUR' } });
    expect(currency.statusCode).toBe(422); // carts and orders are priced in it: it never changes
    const patched = await t.call('PATCH', `/v1/regions/${region.id}`, { body: { countries: ['US', 'PR'], tax_rate: 7 } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ countries: ['PR', 'US'], tax_rate: 7 });

    expect((await t.call('DELETE', `/v1/regions/${region.id}`)).json()).toEqual({ id: region.id, object: 'region', deleted: true });
    expect((await t.call('GET', `/v1/regions/${region.id}`)).statusCode).toBe(404);
  });

  it('gives a country to one region only', async () => {
    const first = await t.call('POST', '/v1/regions', { body: { ...us, countries: ['CA'] } });
    expect(first.statusCode).toBe(201);
    const second = await t.call('POST', '/v1/regions', { body: { ...us, name: 'Canada again', countries: ['MX', 'CA'] } });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'country_in_use', errors: [{ pointer: '/countries' }] });
    // nothing half-written: MX is still free
    expect((await t.call('POST', '/v1/regions', { body: { ...us, name: 'Mexico', countries: ['MX'] } })).statusCode).toBe(201);
  });

  it('validates rates, currencies and category overrides', async () => {
    const bad = await t.call('POST', '/v1/regions', { body: { ...us, countries: ['DE'], tax_rate: 8.12345 } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0].pointer).toBe('/tax_rate');
    const currency = await t.call('POST', '/v1/regions', { body: { ...us, countries: ['DE'], currency: 'usd' } });
    expect(currency.statusCode).toBe(422);
    const override = await t.call('POST', '/v1/regions', { body: { ...us, countries: ['DE'], tax_overrides: [{ category_id: 'cat_missing', tax_rate: 7 }] } });
    expect(override.statusCode).toBe(422);
    expect(override.json()).toMatchObject({ code: 'invalid_region', errors: [{ pointer: '/tax_overrides/0/category_id' }] });

    const cat = (await t.call('POST', '/v1/categories', { body: { name: 'Food', handle: 'food-regions' } })).json();
    const ok = await t.call('POST', '/v1/regions', { body: { ...us, countries: ['DE'], currency: 'EUR', tax_rate: 19, tax_inclusive: true, tax_overrides: [{ category_id: cat.id, tax_rate: 7 }] } });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ tax_rate: 19, tax_inclusive: true, tax_overrides: [{ category_id: cat.id, tax_rate: 7 }] });
  });

  it('lets storefronts read but not write regions', async () => {
    const res = await t.call('POST', '/v1/regions', { key: t.keys.publishable, body: { ...us, countries: ['FR'] } });
    expect(res.statusCode).toBe(403);
  });
});

describe('shipping options', () => {
  it('creates flat and weight-band options, and refuses bands out of order', async () => {
    const region = (await t.call('POST', '/v1/regions', { body: { ...us, countries: ['GB'] } })).json();
    const flat = await t.call('POST', `/v1/regions/${region.id}/shipping_options`, { body: { name: 'Standard', price: { type: 'flat', amount: 500 }, free_over_amount: 5000 } });
    expect(flat.statusCode, flat.body).toBe(201);
    expect(flat.json()).toMatchObject({ object: 'shipping_option', region_id: region.id, price: { type: 'flat', amount: 500 }, free_over_amount: 5000, active: true });

    const bands = { type: 'weight', bands: [{ max_grams: 1000, amount: 500 }, { max_grams: null, amount: 900 }] };
    const weight = await t.call('POST', `/v1/regions/${region.id}/shipping_options`, { body: { name: 'Heavy', price: bands } });
    expect(weight.statusCode, weight.body).toBe(201);

    const disorder = await t.call('POST', `/v1/regions/${region.id}/shipping_options`, { body: { name: 'Bad', price: { type: 'weight', bands: [{ max_grams: 2000, amount: 1 }, { max_grams: 1000, amount: 2 }] } } });
    expect(disorder.statusCode).toBe(422);
    expect(disorder.json().errors[0].pointer).toBe('/price/bands/1/max_grams');

    const listed = (await t.call('GET', `/v1/regions/${region.id}/shipping_options`, { key: t.keys.publishable })).json();
    expect(listed.data).toHaveLength(2);

    const patched = await t.call('PATCH', `/v1/shipping_options/${flat.json().id}`, { body: { active: false, free_over_amount: null } });
    expect(patched.json()).toMatchObject({ active: false, free_over_amount: null });
    expect((await t.call('DELETE', `/v1/shipping_options/${weight.json().id}`)).statusCode).toBe(200);
    expect((await t.call('GET', `/v1/shipping_options/${weight.json().id}`)).statusCode).toBe(404);
  });
});

describe('region and shipping option events', () => {
  it('each write emits its event in its transaction, updates with previous_attributes', async () => {
    const region = (await t.call('POST', '/v1/regions', { body: { name: 'Evented', currency: 'EUR', countries: ['LU'], tax_rate: 17 } })).json();
    expect((await t.call('PATCH', `/v1/regions/${region.id}`, { body: { tax_rate: 16 } })).statusCode).toBe(200);
    expect((await t.call('POST', '/v1/regions', { body: { name: 'Clash', currency: 'EUR', countries: ['LU'], tax_rate: 1 } })).statusCode).toBe(409);
    const option = (await t.call('POST', `/v1/regions/${region.id}/shipping_options`, { body: { name: 'Post', price: { type: 'flat', amount: 300 } } })).json();
    expect((await t.call('PATCH', `/v1/shipping_options/${option.id}`, { body: { name: 'Post+' } })).statusCode).toBe(200);
    expect((await t.call('DELETE', `/v1/shipping_options/${option.id}`)).statusCode).toBe(200);
    expect((await t.call('DELETE', `/v1/regions/${region.id}`)).statusCode).toBe(200);

    const regionEvents = await eventsOf(t, ['region.*'], region.id);
    expect(regionEvents.map((e) => e.type)).toEqual(['region.created', 'region.updated', 'region.deleted']);
    expect(regionEvents[0]!.data.object).toMatchObject({ id: region.id, countries: ['LU'], tax_rate: 17 });
    expect(regionEvents[1]!.data.previous_attributes).toEqual({ tax_rate: 17 });
    const optionEvents = await eventsOf(t, ['shipping_option.*'], option.id);
    expect(optionEvents.map((e) => e.type)).toEqual(['shipping_option.created', 'shipping_option.updated', 'shipping_option.deleted']);
    expect(optionEvents[1]!.data.previous_attributes).toEqual({ name: 'Post' });
  });
});
