import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorControl, type EmulatorControl } from '../src/modules/payments/index.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import type { ServiceContext } from '../src/platform/http/context.js';
import { startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
let simpay: EmulatorControl;
let altpay: EmulatorControl;
let ctx: ServiceContext;

beforeAll(async () => {
  t = await startTestApp();
  const emulators = t.modules.payments.processors.emulators.test!;
  simpay = emulatorControl(emulators.simpay);
  altpay = emulatorControl(emulators.altpay);
  ctx = { env: 'test', db: t.db.forEnv('test'), actor: null, requestId: 'req_test', now: () => new Date(), ids: ulidIds() };
});
afterAll(() => t.close());

/** Authorised, then captured as checkout does once its order exists. */
const captured = async (amount: number, token = 'tok_visa') => {
  const { payment } = await t.modules.payments.service.authorize(ctx, { amount, currency: 'USD', token, captureMethod: 'automatic' });
  return t.modules.payments.service.capture(ctx, payment.id);
};
const runNow = async () => {
  const res = await t.call('POST', '/v1/reconciliation/runs', { body: {} });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
};

describe('reconciliation against the processors’ settlement reports', () => {
  let a: Awaited<ReturnType<typeof captured>>;
  let b: Awaited<ReturnType<typeof captured>>;
  let c: Awaited<ReturnType<typeof captured>>;

  it('finds nothing when the books agree (refunds and failovers included)', async () => {
    a = await captured(1000);
    b = await captured(2000, 'tok_processor_down'); // on altpay after failover
    c = await captured(3000);
    await t.modules.payments.service.refund(ctx, c.id, { amount: 500 });
    await t.modules.payments.service.authorize(ctx, { amount: 400, currency: 'USD', token: 'tok_visa', captureMethod: 'manual' }); // authorised only: not settled
    const run = await runNow();
    expect(run).toMatchObject({ object: 'reconciliation_run', status: 'completed', trigger: 'api', processors: ['simpay', 'altpay'], errors: [], findings: [] });
    expect(run.summary).toEqual({ missing: 0, extra: 0, amount_mismatch: 0 });
    expect(run.entries_checked).toBe(3);
  });

  it('reports missing, extra and amount-mismatch entries, and keeps the run', async () => {
    await simpay.tamper({ kind: 'drop', reference: `${a.id}_1` });
    await altpay.tamper({ kind: 'mismatch', reference: `${b.id}_2`, amount_captured: 1999 });
    const extra = await simpay.tamper({ kind: 'extra', amount_captured: 4242, currency: 'USD' });
    const run = await runNow();
    expect(run.summary).toEqual({ missing: 1, extra: 1, amount_mismatch: 1 });
    const byKind = Object.fromEntries(run.findings.map((f: { kind: string }) => [f.kind, f]));
    expect(byKind.missing).toMatchObject({ processor: 'simpay', payment_id: a.id, reference: `${a.id}_1`, expected_captured: 1000, actual_captured: null });
    expect(byKind.amount_mismatch).toMatchObject({ processor: 'altpay', payment_id: b.id, expected_captured: 2000, actual_captured: 1999, expected_refunded: 0, actual_refunded: 0 });
    expect(byKind.extra).toMatchObject({ processor: 'simpay', payment_id: null, processor_payment_id: extra.authorization_id, actual_captured: 4242 });
    const stored = await t.call('GET', `/v1/reconciliation/runs/${run.id}`);
    expect(stored.json()).toEqual(run);
  });

  it('a refund the processor has but we do not is a mismatch', async () => {
    await simpay.tamper({ kind: 'mismatch', reference: `${c.id}_1`, amount_refunded: 800 });
    const run = await runNow();
    expect(run.findings).toContainEqual(expect.objectContaining({ kind: 'amount_mismatch', payment_id: c.id, expected_refunded: 500, actual_refunded: 800 }));
  });

  it('an unreachable processor makes the run partial; the scheduled job reconciles both environments', async () => {
    await altpay.outage(true);
    try {
      const run = await runNow();
      expect(run.status).toBe('partial');
      expect(run.errors).toEqual([{ processor: 'altpay', detail: expect.stringMatching(/503/) }]);
      const job = await t.modules.payments.jobs.reconcile();
      expect(job.test).toMatchObject({ status: 'partial', missing: 1, extra: 1 });
      expect(job.live).toMatchObject({ status: 'completed', missing: 0, extra: 0, amount_mismatch: 0 });
    } finally {
      await altpay.outage(false);
    }
    expect((await t.call('GET', '/v1/reconciliation/runs/recon_nope')).json()).toMatchObject({ code: 'reconciliation_run_not_found' });
  });
});
