import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emulatorControl, type EmulatorControl } from '../src/modules/payments/index.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import type { ServiceContext } from '../src/platform/http/context.js';
import { idempotencyHeader } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { api, ok, problem } from './helpers/sdk.js';

// Tessera and the emulators talk real HTTP over loopback; the emulators count what they authorised.
let t: TestApp;
let simpay: EmulatorControl;
let altpay: EmulatorControl;
let ctx: ServiceContext;

beforeAll(async () => {
  t = await startTestApp({ env: { TESSERA_PAYMENT_TIMEOUT_MS: '3000' } });
  const emulators = t.modules.payments.processors.emulators.test!;
  simpay = emulatorControl(emulators.simpay);
  altpay = emulatorControl(emulators.altpay);
  ctx = { env: 'test', db: t.db.forEnv('test'), actor: null, requestId: 'req_test', now: () => new Date(), ids: ulidIds() };
});
afterAll(() => t.close());
beforeEach(async () => {
  await Promise.all([simpay.reset(), altpay.reset()]);
});

const pay = (token: string, extra: { currency?: string; captureImmediately?: boolean; cartId?: string } = {}) =>
  t.modules.payments.service.authorize(ctx, {
    amount: 2599,
    currency: extra.currency ?? 'USD',
    token,
    captureMethod: extra.captureImmediately ? 'automatic' : 'manual',
    captureImmediately: extra.captureImmediately,
    cartId: extra.cartId ?? null,
  });

async function charges() {
  const [s, a] = await Promise.all([simpay.authorizations(), altpay.authorizations()]);
  return { simpay: s.count, altpay: a.count, total: s.count + a.count, simpayRequests: s.requests, altpayRequests: a.requests };
}

describe('authorisation with failover: each test token gives exactly one authorisation, or none', () => {
  it('tok_visa: one authorisation on simpay, one attempt; the payment waits for capture', async () => {
    const { payment, outcome, declineCode } = await pay('tok_visa', { cartId: 'cart_1' });
    expect({ outcome, declineCode }).toEqual({ outcome: 'authorized', declineCode: null });
    expect(payment).toMatchObject({ object: 'payment', status: 'requires_capture', processor: 'simpay', amount: 2599, amount_capturable: 2599, amount_captured: 0, cart_id: 'cart_1' });
    expect(payment.attempts).toHaveLength(1);
    expect(payment.attempts[0]).toMatchObject({ number: 1, reference: `${payment.id}_1`, processor: 'simpay', outcome: 'authorized', decline_code: null });
    expect(payment.attempts[0]!.latency_ms).toBeGreaterThanOrEqual(0);
    expect(await charges()).toMatchObject({ simpay: 1, altpay: 0 });
    const [auth] = (await simpay.authorizations()).data;
    expect(auth).toMatchObject({ id: payment.processor_payment_id, reference: `${payment.id}_1`, status: 'authorized' });
  });

  it('tok_visa with captureImmediately: captured in the authorization call itself', async () => {
    const { payment } = await pay('tok_visa', { captureImmediately: true });
    expect(payment).toMatchObject({ status: 'succeeded', capture_method: 'automatic', amount_captured: 2599, amount_capturable: 0 });
    expect((await simpay.authorizations()).data[0]).toMatchObject({ status: 'captured', amount_captured: 2599 });
  });

  it('automatic capture without captureImmediately authorises only; the caller captures (checkout, once the order exists)', async () => {
    const { payment } = await t.modules.payments.service.authorize(ctx, { amount: 700, currency: 'USD', token: 'tok_visa', captureMethod: 'automatic' });
    expect(payment).toMatchObject({ status: 'requires_capture', capture_method: 'automatic', amount_capturable: 700 });
    expect(await t.modules.payments.service.capture(ctx, payment.id)).toMatchObject({ status: 'succeeded', amount_captured: 700 });
    expect((await simpay.authorizations()).count).toBe(1);
  });

  for (const [token, code] of [
    ['tok_decline', 'card_declined'],
    ['tok_insufficient_funds', 'insufficient_funds'],
    ['tok_unknown_thing', 'invalid_token'],
  ] as const) {
    it(`${token}: a hard decline (${code}), no failover, no authorisation`, async () => {
      const { payment, outcome, declineCode } = await pay(token);
      expect({ outcome, declineCode }).toEqual({ outcome: 'declined', declineCode: code });
      expect(payment).toMatchObject({ status: 'requires_payment_method', last_decline_code: code, processor: null });
      expect(payment.attempts.map((a) => [a.processor, a.outcome, a.decline_code])).toEqual([['simpay', 'declined', code]]);
      expect(await charges()).toMatchObject({ total: 0, altpayRequests: 0 });
    });
  }

  it('tok_processor_down: simpay answers 503 before authorising, altpay authorises; one charge', async () => {
    const { payment, outcome } = await pay('tok_processor_down');
    expect(outcome).toBe('authorized');
    expect(payment.attempts.map((a) => [a.number, a.processor, a.outcome])).toEqual([
      [1, 'simpay', 'unavailable'],
      [2, 'altpay', 'authorized'],
    ]);
    expect(payment.attempts[1]!.reference).toBe(`${payment.id}_2`);
    expect(payment).toMatchObject({ status: 'requires_capture', processor: 'altpay' });
    expect(await charges()).toMatchObject({ simpay: 0, altpay: 1 });
  });

  it('tok_timeout_after_auth: simpay authorises and times out; the lookup keeps it, never a second charge', async () => {
    const started = Date.now();
    const { payment, outcome } = await pay('tok_timeout_after_auth', { captureImmediately: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(outcome).toBe('authorized');
    expect(payment.attempts.map((a) => [a.processor, a.outcome])).toEqual([['simpay', 'timeout_authorized']]);
    expect(payment.attempts[0]!.detail).toMatch(/timeout after 3000 ms/);
    expect(payment).toMatchObject({ status: 'succeeded', processor: 'simpay', amount_captured: 2599 });
    expect(await charges()).toMatchObject({ simpay: 1, altpay: 0, total: 1, altpayRequests: 0 });
  });

  it('tok_slow: approved after about 2 s, within the timeout', async () => {
    const started = Date.now();
    const { payment, outcome } = await pay('tok_slow');
    const elapsed = Date.now() - started;
    expect(outcome).toBe('authorized');
    expect(elapsed).toBeGreaterThanOrEqual(1950);
    expect(elapsed).toBeLessThan(3000);
    expect(payment.attempts[0]).toMatchObject({ processor: 'simpay', outcome: 'authorized' });
    expect(payment.attempts[0]!.latency_ms).toBeGreaterThanOrEqual(1950);
    expect(await charges()).toMatchObject({ total: 1 });
  });

  it('all processors unavailable: no authorisation, the payment asks for a payment method again', async () => {
    await simpay.outage(true);
    await altpay.outage(true);
    const { payment, outcome } = await pay('tok_visa');
    expect(outcome).toBe('unavailable');
    expect(payment.status).toBe('requires_payment_method');
    expect(payment.attempts.map((a) => a.outcome)).toEqual(['unavailable', 'unavailable']);
    expect(await charges()).toMatchObject({ total: 0 });
  });

  it('an ambiguous answer whose lookup fails stays unresolved (no failover); recovery finds the authorisation and voids it', async () => {
    const pending = pay('tok_timeout_after_auth');
    await new Promise((r) => setTimeout(r, 500)); // simpay holds the answer; now make its lookups fail too
    await simpay.outage(true);
    const { payment, outcome } = await pending;
    expect(outcome).toBe('unresolved');
    expect(payment.status).toBe('processing');
    expect(payment.attempts.map((a) => [a.processor, a.outcome])).toEqual([['simpay', 'unresolved']]);
    expect(await charges()).toMatchObject({ simpay: 1, altpay: 0, altpayRequests: 0 });

    await simpay.outage(false);
    const recovered = await t.modules.payments.jobs.recover(0);
    expect(recovered.test).toMatchObject({ authorized: 1, reversed: 1 });
    const after = await t.modules.payments.service.get(ctx, payment.id);
    expect(after).toMatchObject({ status: 'canceled', processor: 'simpay' });
    expect(after.attempts[0]!.outcome).toBe('timeout_authorized');
    expect((await simpay.authorizations()).data[0]).toMatchObject({ status: 'voided' });
  });

  it('routes per currency: EUR tries altpay first, so tok_processor_down fails over to simpay', async () => {
    const eur = await startTestApp({ env: { TESSERA_PAYMENT_ROUTES: 'EUR=altpay,simpay;*=simpay,altpay' } });
    try {
      const eurCtx = { ...ctx, db: eur.db.forEnv('test') };
      const { payment } = await eur.modules.payments.service.authorize(eurCtx, { amount: 100, currency: 'EUR', token: 'tok_processor_down', captureMethod: 'manual' });
      expect(payment.attempts.map((a) => [a.processor, a.outcome])).toEqual([
        ['altpay', 'unavailable'],
        ['simpay', 'authorized'],
      ]);
    } finally {
      await eur.close();
    }
  });
});

describe('payments over HTTP', () => {
  it('retrieves and lists payments with their attempts; scopes are enforced', async () => {
    const { payment } = await pay('tok_processor_down', { cartId: 'cart_http' });
    const admin = api(t);
    const one = ok(await admin.GET('/v1/payments/{id}', { params: { path: { id: payment.id } } }), 200);
    expect(one).toMatchObject({ id: payment.id, status: 'requires_capture', attempts: [{ outcome: 'unavailable' }, { outcome: 'authorized', processor: 'altpay' }] });
    const list = ok(await admin.GET('/v1/payments', { params: { query: { cart_id: 'cart_http', limit: 5 } } }));
    expect(list).toMatchObject({ object: 'list', has_more: false, data: [{ id: payment.id }] });
    expect((await admin.GET('/v1/payments/{id}', { params: { path: { id: 'pay_nope' } } })).error).toMatchObject({ code: 'payment_not_found' });
    problem(await api(t, t.keys.publishable).GET('/v1/payments/{id}', { params: { path: { id: payment.id } } }), 403);
  });

  it('captures manually through the API; the Idempotency-Key is required and replays', async () => {
    const { payment } = await pay('tok_visa');
    const admin = api(t, undefined, { autoIdempotency: false });
    const capture = (body: { amount?: number }, key?: string) =>
      admin.POST('/v1/payments/{id}/capture', { params: { path: { id: payment.id } }, body, ...(key ? { headers: idempotencyHeader(key) } : {}) });
    expect((await capture({})).error).toMatchObject({ code: 'idempotency_key_required' });
    const captured = ok(await capture({ amount: 2000 }, `cap-${payment.id}`), 200);
    expect(captured).toMatchObject({ status: 'succeeded', amount_captured: 2000, amount_capturable: 0 });
    expect(ok(await capture({ amount: 2000 }, `cap-${payment.id}`))).toEqual(captured);
    expect((await capture({}, `cap2-${payment.id}`)).error).toMatchObject({ status: 409, code: 'payment_invalid_state' });
    expect((await simpay.authorizations()).data[0]).toMatchObject({ status: 'captured', amount_captured: 2000 });
  });

  it('documents the test tokens in the API reference', async () => {
    // The document itself is not an operation of the typed client.
    const spec = (await t.call('GET', '/openapi.json', { key: null })).json();
    const doc: string = spec.paths['/v1/payments/{id}'].get.description;
    for (const token of ['tok_visa', 'tok_decline', 'tok_insufficient_funds', 'tok_processor_down', 'tok_timeout_after_auth', 'tok_slow']) expect(doc).toContain(token);
  });
});
