import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { operations, TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { eventsOf } from './helpers/events.js';
import { manualClock, startReceiver } from './helpers/receiver.js';
import { api, ok, problem } from './helpers/sdk.js';
import { DAY, balanceOf, buy, createMarket, createSeller, drain, netOf, parseCsv, sellerKey, sellerOrdersOf, sellerProduct, settle, shipAndDeliver, type Market, type RunBody } from './helpers/settlements.js';

const clock = manualClock(Date.parse('2026-10-01T10:00:00Z'));
let t: TestApp;
let admin: TesseraClient;
let market: Market;
beforeAll(async () => {
  t = await startTestApp({ now: clock.now });
  admin = api(t);
  market = await createMarket(t);
});
afterAll(() => t.close());

const byId = (id: string) => ({ params: { path: { id } } });
type RefundBody = operations['postV1OrdersByIdRefunds']['requestBody']['content']['application/json'];
/** A refund of an order; the client gives every POST a fresh Idempotency-Key, as money moves require. */
const refundOf = (orderId: string, body: RefundBody) => admin.POST('/v1/orders/{id}/refunds', { ...byId(orderId), body });
const payoutsFor = async (query: operations['getV1Payouts']['parameters']['query'], client = admin) => ok(await client.GET('/v1/payouts', { params: { query } })).data;

/** A seller with one delivered order of one `price` item, delivered now; the seller order. */
async function deliveredSale(price: number, sellerId?: string) {
  const seller = sellerId ?? (await createSeller(t));
  const sku = await sellerProduct(t, market, seller, price);
  const order = await buy(t, market, [{ sku }]);
  await shipAndDeliver(t, market, order, clock.now());
  const [so] = await sellerOrdersOf(t, order.id);
  expect(so).toMatchObject({ seller_id: seller, delivered_at: clock.now().toISOString() });
  return { seller, order, so: so! };
}

const payoutsOf = (run: RunBody, seller: string) => run.payouts.filter((p) => p.seller_id === seller);
const today = () => clock.now().toISOString().slice(0, 10);

describe('settlement runs', () => {
  it('pays nothing within the hold period, the available balance after it, and a period only once', async () => {
    const { seller, so } = await deliveredSale(2000);
    const net = netOf(so);
    expect(net).toBeGreaterThan(0);
    expect(await balanceOf(t, seller)).toEqual([{ currency: 'USD', pending: net, available: 0 }]);

    clock.advance(3 * DAY);
    const early = await settle(t);
    expect(early.status).toBe(201);
    expect(payoutsOf(early.run, seller)).toEqual([]);
    expect(await balanceOf(t, seller)).toEqual([{ currency: 'USD', pending: net, available: 0 }]);

    clock.advance(5 * DAY);
    const due = await settle(t);
    expect(due.status).toBe(201);
    expect(due.run.period).toBe(today());
    expect(due.run.findings).toEqual([]);
    const [payout] = payoutsOf(due.run, seller);
    expect(payout).toMatchObject({ seller_id: seller, currency: 'USD', amount: net, status: 'pending', entries_count: 1 });
    expect(await balanceOf(t, seller)).toEqual([{ currency: 'USD', pending: 0, available: 0 }]);
    const announced = (await eventsOf(t, ['payout.created'], payout!.id))[0];
    expect(announced?.data.object).toEqual(payout);

    const again = await settle(t);
    expect(again.status).toBe(200);
    expect(again.run.id).toBe(due.run.id);
    expect(again.run.payouts).toEqual(due.run.payouts);
    const listed = await payoutsFor({ seller_id: seller });
    expect(listed.map((p) => p.id)).toEqual([payout!.id]);
    expect((await eventsOf(t, ['payout.created'])).filter((e) => e.data.object.seller_id === seller)).toHaveLength(1);
  });

  it('a refund before the settlement reduces the payout by the seller part less the commission given back', async () => {
    clock.advance(10 * DAY);
    const seller = await createSeller(t);
    const sku = await sellerProduct(t, market, seller, 3000);
    const full = await buy(t, market, [{ sku }]);
    const partial = await buy(t, market, [{ sku }]);
    const [so1] = await sellerOrdersOf(t, full.id);
    const [so2] = await sellerOrdersOf(t, partial.id);

    ok(await refundOf(full.id, {}), 201);
    await drain(t);
    expect((await sellerOrdersOf(t, full.id))[0]!.amount_refunded).toBe(so1!.goods_amount + so1!.shipping_amount);
    expect(await balanceOf(t, seller)).toEqual([{ currency: 'USD', pending: netOf(so2!), available: 0 }]);

    ok(await refundOf(partial.id, { amount: 1000 }), 201);
    await drain(t);
    const after = (await sellerOrdersOf(t, partial.id))[0]!;
    // pro rata: the order's refund times the seller order's part (goods + shipping, no tax) of the total
    const share = Math.floor((1000 * (so2!.goods_amount + so2!.shipping_amount)) / partial.totals.total);
    expect(after.amount_refunded).toBe(share);
    const reversal = Math.floor((2 * so2!.commission_amount * share + so2!.goods_amount) / (2 * so2!.goods_amount));
    const expected = netOf(so2!) - share + reversal;
    expect(await balanceOf(t, seller)).toEqual([{ currency: 'USD', pending: expected, available: 0 }]);

    // canceling a paid order refunds it all: its seller order gives everything back
    const canceled = await buy(t, market, [{ sku }]);
    ok(await admin.POST('/v1/orders/{id}/cancel', byId(canceled.id)), 200);
    await drain(t);
    const so3 = (await sellerOrdersOf(t, canceled.id))[0]!;
    expect(so3.amount_refunded).toBe(so3.goods_amount + so3.shipping_amount);
    expect(await balanceOf(t, seller)).toEqual([{ currency: 'USD', pending: expected, available: 0 }]);

    // the refunded order never ships; the other is delivered
    await shipAndDeliver(t, market, partial, clock.now());
    clock.advance(8 * DAY);
    const { run } = await settle(t);
    expect(payoutsOf(run, seller)).toMatchObject([{ amount: expected }]);
    expect(run.findings).toEqual([]);
  });

  it("a refund of one seller's lines falls on that seller alone; a refund by amount is shared by what is left", async () => {
    const [a, b] = [await createSeller(t), await createSeller(t)];
    const [skuA, skuB] = [await sellerProduct(t, market, a, 2000), await sellerProduct(t, market, b, 5000)];
    const order = await buy(t, market, [{ sku: skuA, quantity: 2 }, { sku: skuB }]);
    const lineA = order.lines.find((l) => l.sku === skuA)!;
    const byseller = async () => Object.fromEntries((await sellerOrdersOf(t, order.id)).map((so) => [so.seller_id, so]));
    const before = await byseller();
    const refund = (body: RefundBody) => refundOf(order.id, body);

    // one of A's two units back: A bears half its line's goods, B nothing
    ok(await refund({ lines: [{ line_id: lineA.id, quantity: 1 }] }), 201);
    await drain(t);
    let now = await byseller();
    expect(now[a]!.amount_refunded).toBe(before[a]!.goods_amount / 2);
    expect(now[b]!.amount_refunded).toBe(0);

    // then everything else by amount: each seller order ends at exactly its whole amount
    ok(await refund({}), 201);
    await drain(t);
    now = await byseller();
    expect(now[a]!.amount_refunded).toBe(before[a]!.goods_amount + before[a]!.shipping_amount);
    expect(now[b]!.amount_refunded).toBe(before[b]!.goods_amount + before[b]!.shipping_amount);
    expect(await balanceOf(t, b)).toEqual([{ currency: 'USD', pending: 0, available: 0 }]);
    const rec = ok(await admin.POST('/v1/settlements/reconciliation'), 200);
    expect(rec.findings).toEqual([]);
  });

  it('concurrent runs make one run and one set of payouts, for one period or two', async () => {
    clock.advance(10 * DAY);
    const { seller, so } = await deliveredSale(1500);
    clock.advance(8 * DAY);
    const [a, b] = await Promise.all([settle(t), settle(t)]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.run.id).toBe(b.run.id);
    expect(payoutsOf(a.run, seller)).toMatchObject([{ amount: netOf(so) }]);

    // two periods at once: whichever runs second finds the balance already paid
    const second = await deliveredSale(1700, seller);
    clock.advance(9 * DAY);
    const yesterday = new Date(clock.now().getTime() - DAY).toISOString().slice(0, 10);
    const [x, y] = await Promise.all([settle(t), settle(t, yesterday)]);
    expect(x.run.id).not.toBe(y.run.id);
    expect([...payoutsOf(x.run, seller), ...payoutsOf(y.run, seller)]).toMatchObject([{ amount: netOf(second.so) }]);
    const all = await payoutsFor({ seller_id: seller });
    expect(all.map((p) => p.amount).sort()).toEqual([netOf(so), netOf(second.so)].sort());
  });

  it('skips suspended sellers, whose available balance waits for them', async () => {
    clock.advance(10 * DAY);
    const { seller, so } = await deliveredSale(1200);
    clock.advance(8 * DAY);
    ok(await admin.POST('/v1/sellers/{id}/suspend', byId(seller)), 200);
    const { run } = await settle(t);
    expect(payoutsOf(run, seller)).toEqual([]);
    expect(await balanceOf(t, seller)).toEqual([{ currency: 'USD', pending: 0, available: netOf(so) }]);

    ok(await admin.POST('/v1/sellers/{id}/reinstate', byId(seller)), 200);
    clock.advance(DAY);
    const next = await settle(t);
    expect(payoutsOf(next.run, seller)).toMatchObject([{ amount: netOf(so) }]);
  });

  it('exports a run as CSV that parses back to its payouts', async () => {
    clock.advance(10 * DAY);
    const name = 'Smith, "Quoted" & Co';
    const seller = await createSeller(t, name);
    const { so } = await deliveredSale(999, seller);
    clock.advance(8 * DAY);
    const { run } = await settle(t);
    const res = await admin.GET('/v1/settlements/{id}', { ...byId(run.id), headers: { accept: 'text/csv' }, parseAs: 'text' });
    const csv = ok(res, 200);
    expect(res.response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [header, ...rows] = parseCsv(csv);
    expect(header).toEqual(['payout_id', 'seller_id', 'seller_name', 'currency', 'amount_minor', 'amount', 'entries_count', 'status']);
    expect(rows).toHaveLength(run.payouts.length);
    const mine = rows.find((r) => r[1] === seller);
    const net = netOf(so);
    expect(mine).toEqual([payoutsOf(run, seller)[0]!.id, seller, name, 'USD', String(net), `${Math.floor(net / 100)}.${String(net % 100).padStart(2, '0')}`, '1', 'pending']);
    // the JSON answer is the default
    expect(ok(await admin.GET('/v1/settlements/{id}', byId(run.id)))).toMatchObject({ id: run.id, object: 'settlement_run', payouts: run.payouts });
    const list = ok(await admin.GET('/v1/settlements', { params: { query: { limit: 100 } } }));
    expect(list.data.map((r) => r.id)).toContain(run.id);
    expect(list.data.find((r) => r.id === run.id)!.totals).toEqual(run.totals);
  });

  it('refuses bad periods and unknown runs', async () => {
    problem(await admin.POST('/v1/settlements/runs', { body: { period: '2026-02-30' } }), 422);
    const future = new Date(clock.now().getTime() + 2 * DAY).toISOString().slice(0, 10);
    const early = problem(await admin.POST('/v1/settlements/runs', { body: { period: future } }), 422);
    expect(early.code).toBe('settlement_period_invalid');
    problem(await admin.GET('/v1/settlements/{id}', byId('str_nope')), 404);
  });
});

describe('payouts and balances for sellers', () => {
  it('a seller key sees only its own payouts and balance; settlements are operators only', async () => {
    clock.advance(10 * DAY);
    const a = await deliveredSale(1100);
    const b = await deliveredSale(1300);
    const keyA = await sellerKey(t, a.seller);
    const asA = api(t, keyA);
    // the seller's own webhook endpoint gets its payout, and no one else's
    const receiver = await startReceiver();
    ok(await asA.POST('/v1/webhook_endpoints', { body: { url: receiver.url, enabled_events: ['payout.*'] } }), 201);
    clock.advance(8 * DAY);
    const { run } = await settle(t);
    await drain(t);
    await t.modules.webhooks.worker.drain();
    const delivered = receiver.received.map((r) => JSON.parse(r.body) as { type: string; data: { object: { id: string; seller_id: string } } });
    await receiver.close();
    expect(delivered.map((e) => [e.type, e.data.object.id])).toEqual([['payout.created', payoutsOf(run, a.seller)[0]!.id]]);
    expect(payoutsOf(run, b.seller)).toHaveLength(1);

    const own = await payoutsFor({ limit: 100 }, asA);
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((p) => p.seller_id === a.seller)).toBe(true);
    const asking = await payoutsFor({ seller_id: b.seller }, asA);
    expect(asking.every((p) => p.seller_id === a.seller)).toBe(true);
    const operator = await payoutsFor({ limit: 100 });
    expect(operator.some((p) => p.seller_id === b.seller)).toBe(true);

    problem(await asA.GET('/v1/sellers/{id}/balance', byId(b.seller)), 404);
    expect(ok(await asA.GET('/v1/sellers/{id}/balance', byId(a.seller)))).toMatchObject({ seller_id: a.seller, balances: [{ currency: 'USD', pending: 0, available: 0 }] });
    expect(ok(await asA.GET('/v1/balance'))).toMatchObject({ object: 'balance', seller_id: a.seller });
    problem(await admin.GET('/v1/balance'), 400);

    problem(await asA.POST('/v1/settlements/runs', { body: {} }), 403);
    problem(await asA.GET('/v1/settlements'), 403);
  });
});
