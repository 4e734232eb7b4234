import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/platform/http/errors.js';
import { emulatorControl, type EmulatorControl } from '../src/modules/payments/index.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import type { ServiceContext } from '../src/platform/http/context.js';
import { startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
let simpay: EmulatorControl;
let ctx: ServiceContext;

beforeAll(async () => {
  t = await startTestApp();
  simpay = emulatorControl(t.modules.payments.processors.emulators.test!.simpay);
  ctx = { env: 'test', db: t.db.forEnv('test'), actor: null, requestId: 'req_test', now: () => new Date(), ids: ulidIds() };
});
afterAll(() => t.close());

const svc = () => t.modules.payments.service;
/** `automatic` here: captured in the authorization call itself. */
const authorized = async (amount: number, captureMethod: 'automatic' | 'manual') =>
  (await svc().authorize(ctx, { amount, currency: 'USD', token: 'tok_visa', captureMethod, captureImmediately: captureMethod === 'automatic' })).payment;
const processorAuth = async (id: string | null) => (await simpay.authorizations()).data.find((a) => a.id === id);

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  throw new Error('expected an AppError');
}

describe('capture and void', () => {
  it('captures part of a manual authorization once; more than authorised is refused', async () => {
    const p = await authorized(1000, 'manual');
    expect(await errorCode(svc().capture(ctx, p.id, 1001))).toBe('capture_exceeds_authorized');
    const captured = await svc().capture(ctx, p.id, 600);
    expect(captured).toMatchObject({ status: 'succeeded', amount_captured: 600, amount_capturable: 0 });
    expect(await processorAuth(p.processor_payment_id)).toMatchObject({ status: 'captured', amount_captured: 600 });
    expect(await errorCode(svc().capture(ctx, p.id))).toBe('payment_invalid_state');
  });

  it('two concurrent captures: one captures, the other is refused', async () => {
    const p = await authorized(800, 'manual');
    const results = await Promise.allSettled([svc().capture(ctx, p.id), svc().capture(ctx, p.id)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await svc().get(ctx, p.id)).amount_captured).toBe(800);
  });

  it('voids an uncaptured authorization, idempotently; a captured payment cannot be voided', async () => {
    const p = await authorized(500, 'manual');
    const voided = await svc().void(ctx, p.id);
    expect(voided).toMatchObject({ status: 'canceled', amount_capturable: 0 });
    expect(await svc().void(ctx, p.id)).toMatchObject({ status: 'canceled', updated_at: voided.updated_at });
    expect(await processorAuth(p.processor_payment_id)).toMatchObject({ status: 'voided' });
    const cancelled = await t.call('POST', `/v1/payments/${p.id}/cancel`, { headers: { 'idempotency-key': `c-${p.id}` } });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const done = await authorized(500, 'automatic');
    expect(await errorCode(svc().void(ctx, done.id))).toBe('payment_invalid_state');
  });
});

describe('refunds', () => {
  it('refunds partially and repeatedly, never beyond what was captured', async () => {
    const p = await authorized(1000, 'automatic');
    const r1 = await svc().refund(ctx, p.id, { amount: 200, reason: 'damaged' });
    const r2 = await svc().refund(ctx, p.id, { amount: 300 });
    expect(r1).toMatchObject({ object: 'refund', status: 'succeeded', amount: 200, reason: 'damaged', payment_id: p.id });
    expect(r2.status).toBe('succeeded');
    expect(await errorCode(svc().refund(ctx, p.id, { amount: 501 }))).toBe('refund_exceeds_captured');
    expect((await svc().refund(ctx, p.id, { amount: 500 })).status).toBe('succeeded');
    expect(await errorCode(svc().refund(ctx, p.id, { amount: 1 }))).toBe('refund_exceeds_captured');
    expect((await svc().get(ctx, p.id)).amount_refunded).toBe(1000);
    expect(await processorAuth(p.processor_payment_id)).toMatchObject({ amount_captured: 1000, amount_refunded: 1000 });
    const fetched = await t.call('GET', `/v1/refunds/${r1.id}`);
    expect(fetched.json()).toMatchObject({ id: r1.id, amount: 200, status: 'succeeded' });
    expect((await t.call('GET', `/v1/payments/${p.id}/refunds`)).json().data).toHaveLength(3);
  });

  it('only refunds a partial capture up to the captured amount', async () => {
    const p = await authorized(1000, 'manual');
    expect(await errorCode(svc().refund(ctx, p.id, { amount: 1 }))).toBe('payment_invalid_state');
    await svc().capture(ctx, p.id, 400);
    expect(await errorCode(svc().refund(ctx, p.id, { amount: 401 }))).toBe('refund_exceeds_captured');
    expect((await svc().refund(ctx, p.id, { amount: 400 })).status).toBe('succeeded');
  });

  it('the same idempotency reference refunds once', async () => {
    const p = await authorized(1000, 'automatic');
    const a = await svc().refund(ctx, p.id, { amount: 700, idempotencyRef: 'oref_1' });
    const b = await svc().refund(ctx, p.id, { amount: 700, idempotencyRef: 'oref_1' });
    expect(b.id).toBe(a.id);
    expect((await svc().get(ctx, p.id)).amount_refunded).toBe(700);
    expect((await processorAuth(p.processor_payment_id))!.amount_refunded).toBe(700);
  });

  it('10 concurrent refunds never exceed what was captured', async () => {
    const p = await authorized(1000, 'automatic');
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => svc().refund(ctx, p.id, { amount: 300 })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(3);
    expect(refused).toHaveLength(7);
    for (const r of refused) expect((r.reason as AppError).code).toBe('refund_exceeds_captured');
    expect((await svc().get(ctx, p.id)).amount_refunded).toBe(900);
    const { rows } = await ctx.db.query<{ n: number; total: number }>(`SELECT count(*)::int AS n, sum(amount)::int AS total FROM refunds WHERE payment_id = $1 AND status = 'succeeded'`, [p.id]);
    expect(rows[0]).toEqual({ n: 3, total: 900 });
    expect((await processorAuth(p.processor_payment_id))!.amount_refunded).toBe(900);
  });

  it('the database itself refuses refunded > captured', async () => {
    const p = await authorized(1000, 'automatic');
    await expect(ctx.db.query('UPDATE payments SET amount_refunded = 1001 WHERE id = $1', [p.id])).rejects.toThrow(/payments_refund_within_captured/);
  });

  it('a processor outage refunds nothing and keeps nothing; asking again later works', async () => {
    const p = await authorized(1000, 'automatic');
    await simpay.outage(true);
    try {
      expect(await errorCode(svc().refund(ctx, p.id, { amount: 100, idempotencyRef: 'oref_outage' }))).toBe('processor_unavailable');
    } finally {
      await simpay.outage(false);
    }
    expect((await svc().get(ctx, p.id)).amount_refunded).toBe(0);
    expect(await svc().refunds.listForPayment(ctx, p.id)).toEqual([]);
    expect((await svc().refund(ctx, p.id, { amount: 100, idempotencyRef: 'oref_outage' })).status).toBe('succeeded');
  });

  it('reverse: refunds what is left of a captured payment, once', async () => {
    const p = await authorized(1000, 'automatic');
    await svc().refund(ctx, p.id, { amount: 250 });
    expect(await svc().reverse(ctx, p.id)).toMatchObject({ status: 'succeeded', amount_refunded: 1000 });
    expect((await svc().reverse(ctx, p.id)).amount_refunded).toBe(1000);
    expect((await processorAuth(p.processor_payment_id))!.amount_refunded).toBe(1000);
  });

  it('attaches an order once', async () => {
    const p = await authorized(100, 'automatic');
    await svc().attachOrder(ctx.db, p.id, 'ord_1');
    await svc().attachOrder(ctx.db, p.id, 'ord_1');
    expect(await errorCode(svc().attachOrder(ctx.db, p.id, 'ord_2'))).toBe('payment_order_conflict');
    expect((await svc().get(ctx, p.id)).order_id).toBe('ord_1');
  });
});
