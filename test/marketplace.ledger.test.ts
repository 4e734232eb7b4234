import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulidIds } from '../src/platform/crypto/ids.js';
import { emit } from '../src/platform/events/outbox.js';
import { jobContext } from '../src/platform/http/module.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { eventsOf } from './helpers/events.js';
import { manualClock } from './helpers/receiver.js';
import { api, ok, problem } from './helpers/sdk.js';
import { DAY, balanceOf, createSeller, drain, settle } from './helpers/settlements.js';

const clock = manualClock(Date.parse('2026-09-01T10:00:00Z'));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ now: clock.now });
});
afterAll(() => t.close());

const db = () => t.db.forEnv('test');
const ctx = () => jobContext({ db: t.db, ids: ulidIds(), now: clock.now }, 'test');

/**
 * A seller order with exact amounts, written as the seller orders' subscriber writes it, then
 * announced with `seller_order.created` through the real outbox and dispatcher. The amounts are
 * chosen here (not by a checkout and the commission rules) so every ledger figure below is exact;
 * the checkout → seller order → ledger flow is marketplace.settlements.test.ts's.
 */
async function sellerOrder(o: { seller: string; order: string; goods: number; shipping?: number; payee?: 'seller' | 'platform'; commission: number }): Promise<string> {
  const id = `so_${crypto.randomBytes(8).toString('hex')}`;
  await db().transaction(async (tx) => {
    await tx.query(
      `INSERT INTO seller_orders (id, order_id, seller_id, status, currency, goods_amount, tax_amount, shipping_amount, shipping_payee, commission_amount, commission, created_at, updated_at)
       VALUES ($1, $2, $3, 'paid', 'USD', $4, 0, $5, $6, $7, '{}', $8, $8)`,
      [id, o.order, o.seller, o.goods, o.shipping ?? 0, o.payee ?? 'seller', o.commission, clock.now()],
    );
    await emit(tx, ctx(), { type: 'seller_order.created', object: { id, object: 'seller_order', seller_id: o.seller, order_id: o.order } });
  });
  await drain(t);
  return id;
}

async function entriesOf(soId: string) {
  const { rows } = await db().query<{ account: string; amount: number; kind: string }>('SELECT account, amount, kind FROM ledger_entries WHERE seller_order_id = $1 ORDER BY id', [soId]);
  return rows;
}

async function accountBalance(account: string): Promise<number> {
  const { rows } = await db().query<{ sum: number }>('SELECT COALESCE(SUM(amount), 0)::bigint AS sum FROM ledger_entries WHERE account = $1', [account]);
  return rows[0]!.sum;
}

const reconcile = async () => ok(await api(t).POST('/v1/settlements/reconciliation')).findings;

let sale: { seller: string; so: string };

describe('seller ledger', () => {
  it("posts a seller order's sale once, even when its event is dispatched again; entries are append-only", async () => {
    const seller = await createSeller(t);
    const so = await sellerOrder({ seller, order: 'ord_sale', goods: 10_000, shipping: 500, commission: 1200 });
    sale = { seller, so };
    const pending = `seller:${seller}:pending`;
    expect(await entriesOf(so)).toEqual([
      { account: 'platform:clearing', amount: -10_500, kind: 'sale' },
      { account: pending, amount: 10_000, kind: 'sale' },
      { account: pending, amount: 500, kind: 'shipping' },
      { account: pending, amount: -1200, kind: 'commission' },
      { account: 'platform:commission', amount: 1200, kind: 'commission' },
    ]);
    expect(await balanceOf(t, seller)).toEqual([{ currency: 'USD', pending: 9300, available: 0 }]);

    // the same event handed over again (as after a lost commit reply)
    await db().query("INSERT INTO outbox (event_id, available_at) SELECT id, created_at FROM events WHERE type = 'seller_order.created' AND data->'object'->>'id' = $1", [so]);
    await drain(t);
    expect(await entriesOf(so)).toHaveLength(5);

    await expect(db().query('UPDATE ledger_entries SET amount = 1 WHERE seller_order_id = $1', [so])).rejects.toThrow(/append-only/);
    await expect(db().query('DELETE FROM ledger_entries WHERE seller_order_id = $1', [so])).rejects.toThrow(/append-only/);
  });

  it("attributes an order's refunds to its seller orders pro rata, once, and a full refund exactly", async () => {
    const a = await createSeller(t);
    const b = await createSeller(t);
    const soA = await sellerOrder({ seller: a, order: 'ord_split', goods: 6000, commission: 600 });
    const soB = await sellerOrder({ seller: b, order: 'ord_split', goods: 3000, shipping: 500, payee: 'platform', commission: 300 });
    const total = 6000 + 3000 + 500 + 850; // + tax, which the ledger does not carry
    const refund = (refunded: number) => db().transaction((tx) => t.modules.marketplace.ledger.postOrderRefunds(tx, ctx(), 'ord_split', { total, amount_refunded: refunded, lines: [] }));
    const refunded = async () => (await db().query<{ id: string; amount_refunded: number }>("SELECT id, amount_refunded FROM seller_orders WHERE order_id = 'ord_split' ORDER BY id")).rows;

    // half the order: A bears 6000/10350 of it, B (goods + shipping) 3500/10350
    expect(await refund(total / 2)).toBe(3000 + 1750);
    expect(Object.fromEntries((await refunded()).map((r) => [r.id, r.amount_refunded]))).toEqual({ [soA]: 3000, [soB]: 1750 });
    // goods back, and the commission on them given back (half up)
    expect(await balanceOf(t, a)).toEqual([{ currency: 'USD', pending: 6000 - 600 - 3000 + 300, available: 0 }]);
    expect(await balanceOf(t, b)).toEqual([{ currency: 'USD', pending: 3000 - 300 - 1750 + 175, available: 0 }]);

    expect(await refund(total / 2)).toBe(0); // the same event again: nothing more
    expect(await refund(total)).toBe(3000 + 1750);
    expect(await balanceOf(t, a)).toEqual([{ currency: 'USD', pending: 0, available: 0 }]);
    expect(await balanceOf(t, b)).toEqual([{ currency: 'USD', pending: 0, available: 0 }]);
    // B's shipping was the platform's: it gave it back itself
    const kinds = (await entriesOf(soB)).filter((e) => e.kind === 'refund').map((e) => `${e.account} ${e.amount}`);
    expect(kinds).toEqual(expect.arrayContaining([`platform:shipping -500`, `seller:${b}:pending -1250`]));
    expect(await reconcile()).toEqual([]);
  });

  it('a refund that arrives before its order is split waits for the split, then posts once', async () => {
    const seller = await createSeller(t);
    const order = `ord_${crypto.randomBytes(6).toString('hex')}`;
    const lines = [{ id: 'oli_x', seller_id: seller, quantity: 1, quantity_refunded: 1, total: 2000 }];
    await db().transaction((tx) => emit(tx, ctx(), { type: 'order.refunded', object: { id: order, object: 'order', amount_refunded: 2000, totals: { total: 2000 }, lines } }));
    await drain(t);
    // no seller order yet: nothing posted, and the event is still waiting in the outbox
    const waiting = await db().query("SELECT 1 FROM outbox o JOIN events e ON e.id = o.event_id WHERE e.type = 'order.refunded' AND e.data->'object'->>'id' = $1", [order]);
    expect(waiting.rows).toHaveLength(1);

    const so = await sellerOrder({ seller, order, goods: 2000, commission: 200 });
    await db().query("INSERT INTO seller_order_lines (seller_order_id, order_line_id, sku, title, quantity, amount, commission, product_id, tax, category_paths) VALUES ($1, 'oli_x', 'SKU', 'Item', 1, 2000, 200, 'prod_x', 0, '[]')", [so]);
    const last = await db().query<{ attempts: number; last_error: string }>(
      "SELECT o.attempts, o.last_error FROM outbox o JOIN events e ON e.id = o.event_id WHERE e.type = 'order.refunded' AND e.data->'object'->>'id' = $1",
      [order],
    );
    expect(last.rows).toEqual([{ attempts: 1, last_error: expect.stringMatching(/not split into seller orders yet/) }]);
    clock.advance(60_000); // past its back-off
    await drain(t);
    expect((await entriesOf(so)).filter((e) => e.kind === 'refund')).toEqual([
      { account: 'platform:clearing', amount: 2000, kind: 'refund' },
      { account: `seller:${seller}:pending`, amount: -2000, kind: 'refund' },
    ]);
    expect(await balanceOf(t, seller)).toEqual([{ currency: 'USD', pending: 0, available: 0 }]);
  });

  it('charges back from pending before the release and from available after the payout, never beyond the sale', async () => {
    const seller = await createSeller(t);
    const so = await sellerOrder({ seller, order: 'ord_cb', goods: 5000, commission: 500 });
    // a fresh Idempotency-Key for each: the client gives every POST one
    const chargeback = (id: string, amount: number) => api(t).POST('/v1/seller_orders/{id}/chargebacks', { params: { path: { id } }, body: { amount, reason: 'fraudulent' } });

    const first = ok(await chargeback(so, 1000), 201);
    expect(first).toMatchObject({ object: 'chargeback', seller_order_id: so, seller_id: seller, amount: 1000, currency: 'USD' });
    // the platform keeps its commission: the seller bears all 1000
    expect(await balanceOf(t, seller)).toEqual([{ currency: 'USD', pending: 3500, available: 0 }]);
    expect((await eventsOf(t, ['chargeback.created'], first.id))[0]?.data.object).toMatchObject({ seller_id: seller, amount: 1000 });

    await db().query('UPDATE seller_orders SET delivered_at = $2 WHERE id = $1', [so, clock.now()]);
    clock.advance(8 * DAY);
    const { run } = await settle(t);
    expect(run.payouts.filter((p) => p.seller_id === seller)).toMatchObject([{ amount: 3500 }]);

    const tooMuch = problem(await chargeback(so, 4001), 422);
    expect(tooMuch.code).toBe('chargeback_exceeds_sale');
    ok(await chargeback(so, 2000), 201);
    // paid out already: the seller now owes it back
    expect(await balanceOf(t, seller)).toEqual([{ currency: 'USD', pending: 0, available: -2000 }]);
    problem(await chargeback('so_nope', 100), 404);

    clock.advance(DAY);
    const next = await settle(t);
    expect(next.run.payouts.filter((p) => p.seller_id === seller)).toEqual([]);
  });

  it('a refund after the payout comes out of available funds, which then carry the debt', async () => {
    const seller = await createSeller(t);
    const so = await sellerOrder({ seller, order: 'ord_late', goods: 4000, commission: 400 });
    await db().query('UPDATE seller_orders SET delivered_at = $2 WHERE id = $1', [so, clock.now()]);
    clock.advance(8 * DAY);
    expect((await settle(t)).run.payouts.filter((p) => p.seller_id === seller)).toMatchObject([{ amount: 3600 }]);

    await db().transaction((tx) => t.modules.marketplace.ledger.postOrderRefunds(tx, ctx(), 'ord_late', { total: 4000, amount_refunded: 1000, lines: [] }));
    expect(await balanceOf(t, seller)).toEqual([{ currency: 'USD', pending: 0, available: -1000 + 100 }]);
    clock.advance(DAY);
    expect((await settle(t)).run.payouts.filter((p) => p.seller_id === seller)).toEqual([]);
    expect(await reconcile()).toEqual([]);
  });

  it('sums to zero per currency after sales, refunds, releases, payouts and chargebacks; reconciliation agrees', async () => {
    const { rows: totals } = await db().query<{ currency: string; sum: number }>('SELECT currency, SUM(amount)::bigint AS sum FROM ledger_entries GROUP BY currency');
    expect(totals).toEqual([{ currency: 'USD', sum: 0 }]);
    const { rows: kinds } = await db().query<{ kind: string }>('SELECT DISTINCT kind FROM ledger_entries ORDER BY kind');
    expect(kinds.map((k) => k.kind)).toEqual(['chargeback', 'commission', 'commission_reversal', 'payout', 'refund', 'release', 'sale', 'shipping']);
    const { rows: unbalanced } = await db().query('SELECT txn_id FROM ledger_entries GROUP BY txn_id, currency HAVING SUM(amount) <> 0');
    expect(unbalanced).toEqual([]);
    expect(await accountBalance('platform:payouts')).toBeGreaterThan(0);
    expect(await reconcile()).toEqual([]);
  });

  it('reconciliation reports a tampered seller order and a stray entry', async () => {
    await db().query('UPDATE seller_orders SET commission_amount = commission_amount + 7 WHERE id = $1', [sale.so]);
    expect(await reconcile()).toEqual([{ type: 'seller_balance', seller_id: sale.seller, currency: 'USD', reference: null, expected: 9300 - 7, actual: 9300, difference: 7 }]);
    await db().query('UPDATE seller_orders SET commission_amount = commission_amount - 7 WHERE id = $1', [sale.so]);
    expect(await reconcile()).toEqual([]);

    await db().query("INSERT INTO ledger_transactions (id, source, source_id, kind, created_at) VALUES ('ltx_stray', 'seller_order', 'so_stray', 'sale', now())");
    await db().query("INSERT INTO ledger_entries (txn_id, account, currency, amount, kind, created_at) VALUES ('ltx_stray', 'platform:commission', 'USD', 5, 'commission', now())");
    expect(await reconcile()).toEqual([
      { type: 'unbalanced_posting', seller_id: null, currency: 'USD', reference: 'ltx_stray', expected: 0, actual: 5, difference: 5 },
      { type: 'ledger_unbalanced', seller_id: null, currency: 'USD', reference: null, expected: 0, actual: 5, difference: 5 },
    ]);
  });
});
