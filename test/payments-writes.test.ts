import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emulatorControl, type EmulatorControl } from '../src/modules/payments/index.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import type { EnvDb } from '../src/platform/db/database.js';
import type { ServiceContext } from '../src/platform/http/context.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { eventsOf } from './helpers/events.js';

// How authorize writes: few statements, the pending attempt before the processor call, and a
// returned payment that is exactly what is stored.
let t: TestApp;
let simpay: EmulatorControl;
let altpay: EmulatorControl;

beforeAll(async () => {
  t = await startTestApp({ env: { TESSERA_PAYMENT_TIMEOUT_MS: '3000' } });
  const emulators = t.modules.payments.processors.emulators.test!;
  simpay = emulatorControl(emulators.simpay);
  altpay = emulatorControl(emulators.altpay);
});
afterAll(() => t.close());
beforeEach(async () => {
  await Promise.all([simpay.reset(), altpay.reset()]);
});

/** The test database, counting statements; `failOn` makes the statement of that prepared name fail (a crash at that point). */
function countingDb(failOn?: string) {
  const db = t.db.forEnv('test');
  const names: Array<string | undefined> = [];
  const counted: EnvDb = {
    env: db.env,
    query: (sql, params, name) => {
      names.push(name);
      if (name && name === failOn) return Promise.reject(new Error(`simulated crash before ${name}`));
      return db.query(sql, params, name);
    },
    afterCommit: (fn) => db.afterCommit(fn),
    transaction: (fn) => db.transaction(fn),
  };
  return { db: counted, names };
}

const contextOn = (db: EnvDb): ServiceContext => ({ env: 'test', db, actor: null, requestId: 'req_test', now: () => new Date(), ids: ulidIds() });
const plain = () => contextOn(t.db.forEnv('test'));

const pay = (ctx: ServiceContext, token: string, captureImmediately = false) =>
  t.modules.payments.service.authorize(ctx, { amount: 1800, currency: 'USD', token, captureMethod: captureImmediately ? 'automatic' : 'manual', captureImmediately });

async function stored(paymentId: string) {
  const { rows } = await t.db.forEnv('test').query<{ status: string; outcomes: string[] | null }>(
    `SELECT p.status, (SELECT array_agg(a.outcome ORDER BY a.number) FROM payment_attempts a WHERE a.payment_id = p.id) AS outcomes FROM payments p WHERE p.id = $1`,
    [paymentId],
  );
  return rows[0];
}

describe('authorize writes', () => {
  it('a sale costs two statements: the payment with its pending attempt, then the outcome with the payment', async () => {
    const { db, names } = countingDb();
    const { payment } = await pay(contextOn(db), 'tok_visa', true);
    expect(payment.status).toBe('succeeded');
    expect(names).toEqual(['payments_insert_with_attempt', 'payments_settle']);
    // its event was written by the settling statement itself, showing the payment as stored
    const events = await eventsOf(t, ['payment.*'], payment.id);
    expect(events.map((e) => [e.type, e.data.object])).toEqual([['payment.captured', payment]]);
    expect(events[0]!.context.actor).toEqual({ type: 'system', id: null });
  });

  it('the payment returned is exactly what is stored, whatever the path', async () => {
    for (const [token, capture] of [
      ['tok_visa', true],
      ['tok_visa', false],
      ['tok_decline', false],
      ['tok_processor_down', true],
      ['tok_timeout_after_auth', false],
    ] as const) {
      const { payment } = await pay(plain(), token, capture);
      expect(await t.modules.payments.service.get(plain(), payment.id), token).toEqual(payment);
    }
  });

  it('failover writes each outcome with the next attempt: every attempt is stored with its outcome', async () => {
    const { db, names } = countingDb();
    const { payment } = await pay(contextOn(db), 'tok_processor_down');
    expect(names).toEqual(['payments_insert_with_attempt', 'payments_save_attempts_2', 'payments_settle']);
    expect(await stored(payment.id)).toEqual({ status: 'requires_capture', outcomes: ['unavailable', 'authorized'] });
  });

  it('the attempt is stored as pending, with its payment, before the processor answers', async () => {
    const pending = pay(plain(), 'tok_slow');
    await new Promise((r) => setTimeout(r, 600)); // simpay holds tok_slow for 2 s
    const { rows } = await t.db.forEnv('test').query<{ id: string }>(`SELECT id FROM payments WHERE status = 'processing'`);
    expect(rows).toHaveLength(1);
    expect(await stored(rows[0]!.id)).toEqual({ status: 'processing', outcomes: ['pending'] });
    expect((await simpay.authorizations()).count).toBe(1); // already authorised there, not yet answered
    const { payment } = await pending;
    expect(payment.id).toBe(rows[0]!.id);
    expect(await stored(payment.id)).toEqual({ status: 'requires_capture', outcomes: ['authorized'] });
  });

  it('a crash after the processor authorised leaves a pending attempt, which recovery finds and reverses', async () => {
    const { db } = countingDb('payments_settle');
    await expect(pay(contextOn(db), 'tok_visa', true)).rejects.toThrow(/simulated crash/);
    const [auth] = (await simpay.authorizations()).data;
    expect(auth).toMatchObject({ status: 'captured' });
    const paymentId = auth!.reference.replace(/_1$/, '');
    expect(await stored(paymentId)).toEqual({ status: 'processing', outcomes: ['pending'] });

    const recovered = await t.modules.payments.jobs.recover(0);
    expect(recovered.test).toMatchObject({ payments_checked: 1, authorized: 1, reversed: 1 });
    expect(await t.modules.payments.service.get(plain(), paymentId)).toMatchObject({ status: 'succeeded', amount_refunded: 1800 });
    expect((await simpay.authorizations()).data[0]).toMatchObject({ amount_refunded: 1800 });
  });
});
