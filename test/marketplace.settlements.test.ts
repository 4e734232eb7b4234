import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { eventsOf } from './helpers/events.js';
import { manualClock, startReceiver } from './helpers/receiver.js';
import { DAY, balanceOf, buy, createMarket, createSeller, drain, netOf, sellerKey, sellerOrdersOf, sellerProduct, settle, shipAndDeliver, type Market, type RunBody } from './helpers/settlements.js';

const clock = manualClock(Date.parse('2026-10-01T10:00:00Z'));
let t: TestApp;
let market: Market;
beforeAll(async () => {
  t = await startTestApp({ now: clock.now });
  market = await createMarket(t);
});
afterAll(() => t.close());

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

/** A minimal RFC 4180 reader: quoted fields, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

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
    const listed = (await t.call('GET', `/v1/payouts?seller_id=${seller}`)).json().data;
    expect(listed.map((p: { id: string }) => p.id)).toEqual([payout!.id]);
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
    const refund = (orderId: string, body: object) => t.call('POST', `/v1/orders/${orderId}/refunds`, { body, headers: { 'idempotency-key': crypto.randomUUID() } });

    expect((await refund(full.id, {})).statusCode).toBe(201);
    await drain(t);
    expect((await sellerOrdersOf(t, full.id))[0]!.amount_refunded).toBe(so1!.goods_amount + so1!.shipping_amount);
    expect(await balanceOf(t, seller)).toEqual([{ currency: 'USD', pending: netOf(so2!), available: 0 }]);

    expect((await refund(partial.id, { amount: 1000 })).statusCode).toBe(201);
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
    expect((await t.call('POST', `/v1/orders/${canceled.id}/cancel`, { headers: { 'idempotency-key': crypto.randomUUID() } })).statusCode).toBe(200);
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
    const refund = (body: object) => t.call('POST', `/v1/orders/${order.id}/refunds`, { body, headers: { 'idempotency-key': crypto.randomUUID() } });

    // one of A's two units back: A bears half its line's goods, B nothing
    expect((await refund({ lines: [{ line_id: lineA.id, quantity: 1 }] })).statusCode).toBe(201);
    await drain(t);
    let now = await byseller();
    expect(now[a]!.amount_refunded).toBe(before[a]!.goods_amount / 2);
    expect(now[b]!.amount_refunded).toBe(0);

    // then everything else by amount: each seller order ends at exactly its whole amount
    expect((await refund({})).statusCode).toBe(201);
    await drain(t);
    now = await byseller();
    expect(now[a]!.amount_refunded).toBe(before[a]!.goods_amount + before[a]!.shipping_amount);
    expect(now[b]!.amount_refunded).toBe(before[b]!.goods_amount + before[b]!.shipping_amount);
    expect(await balanceOf(t, b)).toEqual([{ currency: 'USD', pending: 0, available: 0 }]);
    const rec = await t.call('POST', '/v1/settlements/reconciliation');
    expect(rec.statusCode, rec.body).toBe(200);
    expect(rec.json<{ findings: unknown[] }>().findings).toEqual([]);
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
    const all = (await t.call('GET', `/v1/payouts?seller_id=${seller}`)).json().data;
    expect(all.map((p: { amount: number }) => p.amount).sort()).toEqual([netOf(so), netOf(second.so)].sort());
  });

  it('skips suspended sellers, whose available balance waits for them', async () => {
    clock.advance(10 * DAY);
    const { seller, so } = await deliveredSale(1200);
    clock.advance(8 * DAY);
    expect((await t.call('POST', `/v1/sellers/${seller}/suspend`)).statusCode).toBe(200);
    const { run } = await settle(t);
    expect(payoutsOf(run, seller)).toEqual([]);
    expect(await balanceOf(t, seller)).toEqual([{ currency: 'USD', pending: 0, available: netOf(so) }]);

    expect((await t.call('POST', `/v1/sellers/${seller}/reinstate`)).statusCode).toBe(200);
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
    const res = await t.call('GET', `/v1/settlements/${run.id}`, { headers: { accept: 'text/csv' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [header, ...rows] = parseCsv(res.body);
    expect(header).toEqual(['payout_id', 'seller_id', 'seller_name', 'currency', 'amount_minor', 'amount', 'entries_count', 'status']);
    expect(rows).toHaveLength(run.payouts.length);
    const mine = rows.find((r) => r[1] === seller);
    const net = netOf(so);
    expect(mine).toEqual([payoutsOf(run, seller)[0]!.id, seller, name, 'USD', String(net), `${Math.floor(net / 100)}.${String(net % 100).padStart(2, '0')}`, '1', 'pending']);
    // the JSON answer is the default
    expect((await t.call('GET', `/v1/settlements/${run.id}`)).json()).toMatchObject({ id: run.id, object: 'settlement_run', payouts: run.payouts });
    const list = (await t.call('GET', '/v1/settlements?limit=100')).json();
    expect(list.data.map((r: { id: string }) => r.id)).toContain(run.id);
    expect(list.data.find((r: { id: string }) => r.id === run.id).totals).toEqual(run.totals);
  });

  it('refuses bad periods and unknown runs', async () => {
    const bad = await t.call('POST', '/v1/settlements/runs', { body: { period: '2026-02-30' }, headers: { 'idempotency-key': crypto.randomUUID() } });
    expect(bad.statusCode).toBe(422);
    const future = new Date(clock.now().getTime() + 2 * DAY).toISOString().slice(0, 10);
    const early = await t.call('POST', '/v1/settlements/runs', { body: { period: future }, headers: { 'idempotency-key': crypto.randomUUID() } });
    expect(early.statusCode).toBe(422);
    expect(early.json().code).toBe('settlement_period_invalid');
    expect((await t.call('GET', '/v1/settlements/str_nope')).statusCode).toBe(404);
  });
});

describe('payouts and balances for sellers', () => {
  it('a seller key sees only its own payouts and balance; settlements are operators only', async () => {
    clock.advance(10 * DAY);
    const a = await deliveredSale(1100);
    const b = await deliveredSale(1300);
    const keyA = await sellerKey(t, a.seller);
    // the seller's own webhook endpoint gets its payout, and no one else's
    const receiver = await startReceiver();
    const endpoint = await t.call('POST', '/v1/webhook_endpoints', { key: keyA, body: { url: receiver.url, enabled_events: ['payout.*'] } });
    expect(endpoint.statusCode, endpoint.body).toBe(201);
    clock.advance(8 * DAY);
    const { run } = await settle(t);
    await drain(t);
    await t.modules.webhooks.worker.drain();
    const delivered = receiver.received.map((r) => JSON.parse(r.body) as { type: string; data: { object: { id: string; seller_id: string } } });
    await receiver.close();
    expect(delivered.map((e) => [e.type, e.data.object.id])).toEqual([['payout.created', payoutsOf(run, a.seller)[0]!.id]]);
    expect(payoutsOf(run, b.seller)).toHaveLength(1);

    const own = (await t.call('GET', '/v1/payouts?limit=100', { key: keyA })).json().data as { seller_id: string }[];
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((p) => p.seller_id === a.seller)).toBe(true);
    const asking = (await t.call('GET', `/v1/payouts?seller_id=${b.seller}`, { key: keyA })).json().data as { seller_id: string }[];
    expect(asking.every((p) => p.seller_id === a.seller)).toBe(true);
    const operator = (await t.call('GET', '/v1/payouts?limit=100')).json().data as { seller_id: string }[];
    expect(operator.some((p) => p.seller_id === b.seller)).toBe(true);

    expect((await t.call('GET', `/v1/sellers/${b.seller}/balance`, { key: keyA })).statusCode).toBe(404);
    expect((await t.call('GET', `/v1/sellers/${a.seller}/balance`, { key: keyA })).json()).toMatchObject({ seller_id: a.seller, balances: [{ currency: 'USD', pending: 0, available: 0 }] });
    expect((await t.call('GET', '/v1/balance', { key: keyA })).json()).toMatchObject({ object: 'balance', seller_id: a.seller });
    expect((await t.call('GET', '/v1/balance')).statusCode).toBe(400);

    expect((await t.call('POST', '/v1/settlements/runs', { key: keyA, body: {}, headers: { 'idempotency-key': crypto.randomUUID() } })).statusCode).toBe(403);
    expect((await t.call('GET', '/v1/settlements', { key: keyA })).statusCode).toBe(403);
  });
});
