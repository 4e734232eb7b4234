import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoverStaleCheckouts } from '../src/modules/checkout/checkout.recovery.js';
import type { ServiceContext } from '../src/platform/http/context.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import type { TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { authorizations, createStore, freshCountry, readyCart } from './helpers/commerce.js';
import { api, checkout, ok, problem } from './helpers/sdk.js';

let t: TestApp;
let admin: TesseraClient;
let shop: TesseraClient;
beforeAll(async () => {
  t = await startTestApp();
  admin = api(t);
  shop = api(t, t.keys.publishable);
});
afterAll(() => t.close());

const inventoryItem = async (sku: string) => ok(await admin.GET('/v1/inventory_items/{sku}', { params: { path: { sku } } }));
const payment = async (id: string) => ok(await admin.GET('/v1/payments/{id}', { params: { path: { id } } }));
const cart = async (id: string) => ok(await admin.GET('/v1/carts/{id}', { params: { path: { id } } }));

function jobContext(): ServiceContext {
  const ids = ulidIds();
  return { env: 'test', db: t.db.forEnv('test'), actor: null, requestId: ids('job'), now: () => new Date(), ids };
}

describe('checkout recovery', () => {
  it('undoes a checkout whose process died after authorising: payment voided, stock released, cart open', async () => {
    const country = freshCountry();
    const store = await createStore(t, { country, stock: 5 });
    const cartId = await readyCart(t, store, { country, quantity: 2 });
    const ctx = jobContext();
    const { carts, inventory, payments } = t.modules;
    // the steps a checkout takes before it dies: claim (with a lease already over), reserve, authorise
    await carts.checkout.claim(ctx, cartId, new Date(Date.now() - 1000));
    await inventory.service.reserve(ctx, { reference: cartId, lines: [{ sku: store.skus[0]!, quantity: 2 }] });
    const auth = await payments.service.authorize(ctx, { amount: 5000, currency: 'USD', token: 'tok_visa', captureMethod: 'automatic', cartId });
    expect(auth.outcome).toBe('authorized');
    expect(await inventoryItem(store.skus[0]!)).toMatchObject({ reserved: 2 });
    problem(await checkout(shop, cartId), 409);

    expect(await recoverStaleCheckouts(ctx, { claims: carts.checkout, inventory: inventory.service, payments: payments.service }, t.logger)).toBe(1);

    expect((await payment(auth.payment.id)).status).toBe('canceled');
    const emulated = (await authorizations(t)).find((a) => a.reference.startsWith(auth.payment.id));
    expect(emulated?.status).toBe('voided');
    expect(await inventoryItem(store.skus[0]!)).toMatchObject({ on_hand: 5, reserved: 0 });
    expect((await cart(cartId)).status).toBe('open');
    // and the shopper can check out again
    ok(await checkout(shop, cartId), 201);
    expect(await recoverStaleCheckouts(ctx, { claims: carts.checkout, inventory: inventory.service, payments: payments.service }, t.logger)).toBe(0);
  });

  it('leaves a checkout whose lease is still running alone', async () => {
    const country = freshCountry();
    const store = await createStore(t, { country, stock: 5 });
    const cartId = await readyCart(t, store, { country });
    const ctx = jobContext();
    await t.modules.carts.checkout.claim(ctx, cartId, new Date(Date.now() + 60_000));
    expect(await recoverStaleCheckouts(ctx, { claims: t.modules.carts.checkout, inventory: t.modules.inventory.service, payments: t.modules.payments.service }, t.logger)).toBe(0);
    expect((await cart(cartId)).status).toBe('completing');
  });

  it('refunds a sale left without an order when its checkout could not undo it (processor down at the time)', async () => {
    const ctx = jobContext();
    const sale = await t.modules.payments.service.authorize(ctx, { amount: 4200, currency: 'USD', token: 'tok_visa', captureMethod: 'automatic', captureImmediately: true, cartId: 'cart_gone' });
    expect(sale.payment.status).toBe('succeeded');
    // too recent: a checkout could still be finishing with it
    await t.modules.payments.jobs.recover();
    expect((await payment(sale.payment.id)).amount_refunded).toBe(0);
    await t.db.forEnv('test').query("UPDATE payments SET updated_at = now() - interval '11 minutes' WHERE id = $1", [sale.payment.id]);
    const result = await t.modules.payments.jobs.recover();
    expect(result.test?.reversed).toBe(1);
    expect(await payment(sale.payment.id)).toMatchObject({ amount_captured: 4200, amount_refunded: 4200 });
    expect((await t.modules.payments.jobs.recover()).test?.reversed).toBe(0);
  });
});
