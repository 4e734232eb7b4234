import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { emit } from '../src/platform/events/outbox.js';
import { jobContext } from '../src/platform/http/module.js';
import type { TesseraClient } from '../sdk/index.js';
import type { TestApp } from './helpers/app.js';
import { eventsOf } from './helpers/events.js';
import { api, ok } from './helpers/sdk.js';
import { webhookTestbed, type TestbedReceiver } from './helpers/webhooks.js';

const bed = webhookTestbed();
const { clock, ids, happen } = bed;
let t: TestApp;
let receiver: TestbedReceiver;
let admin: TesseraClient;
beforeAll(() => {
  ({ t, receiver } = bed);
  admin = api(t);
});

async function endpoint(enabled_events: string[] = ['*']): Promise<{ id: string; secret: string }> {
  const { id, secret } = ok(await admin.POST('/v1/webhook_endpoints', { body: { url: receiver.url, enabled_events } }), 201);
  if (secret === undefined) expect.fail('a new endpoint comes with its signing secret');
  return { id, secret };
}

const byId = (id: string) => ({ params: { path: { id } } });
const deliveries = async (endpointId: string) => ok(await admin.GET('/v1/webhook_endpoints/{id}/deliveries', byId(endpointId))).data;
const endpointNow = async (id: string) => ok(await admin.GET('/v1/webhook_endpoints/{id}', byId(id)));

describe('delivery', () => {
  it('signs each delivery by Standard Webhooks: a real receiver verifies it, and webhook-id is the event id', async () => {
    const ep = await endpoint(['order.*']);
    const [event] = await happen({ type: 'order.created', object: { id: 'ord_1', object: 'order', total: 1234 } });
    expect(receiver.received).toHaveLength(1);
    const r = receiver.received[0]!;
    const payload = new Webhook(ep.secret).verify(r.body, r.headers as Record<string, string>) as { type: string; timestamp: string; data: { object: { id: string } } };
    expect(r.headers['webhook-id']).toBe(event!.id);
    expect(payload).toEqual({ type: 'order.created', timestamp: event!.created_at.toISOString(), data: { object: { id: 'ord_1', object: 'order', total: 1234 } } });
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(r.body, r.headers as Record<string, string>)).toThrow();
    const [d] = await deliveries(ep.id);
    expect(d).toMatchObject({ status: 'succeeded', attempts: 1, last_status_code: 200, event_id: event!.id, event_type: 'order.created', next_attempt_at: null });
    expect(d!.attempt_log).toHaveLength(1);
  });

  it('delivers only the event types an endpoint enabled', async () => {
    const orders = await endpoint(['order.*']);
    await happen({ type: 'payment.captured', object: { id: 'pay_1' } }, { type: 'orders.weird', object: { id: 'x' } });
    expect(receiver.received).toHaveLength(0);
    expect(await deliveries(orders.id)).toEqual([]);
  });

  it('retries a failure 5 s later (with jitter), and a 3xx is a failure too', async () => {
    const ep = await endpoint();
    receiver.answer((_r, n) => ({ status: n === 1 ? 500 : n === 2 ? 302 : 204, headers: n === 2 ? { location: 'http://example.com/' } : undefined }));
    const started = clock.now().getTime();
    await happen({ type: 'order.created', object: { id: 'ord_retry' } });
    let [d] = await deliveries(ep.id);
    expect(d).toMatchObject({ status: 'pending', attempts: 1, last_status_code: 500 });
    const wait = Date.parse(d!.next_attempt_at!) - started;
    expect(wait).toBeGreaterThanOrEqual(4500);
    expect(wait).toBeLessThanOrEqual(5500);

    await t.modules.webhooks.worker.drain(); // not due yet
    expect(receiver.received).toHaveLength(1);
    clock.advance(6000);
    await t.modules.webhooks.worker.drain();
    [d] = await deliveries(ep.id);
    expect(d).toMatchObject({ status: 'pending', attempts: 2, last_status_code: 302 });
    clock.advance(6 * 60_000);
    await t.modules.webhooks.worker.drain();
    [d] = await deliveries(ep.id);
    expect(d).toMatchObject({ status: 'succeeded', attempts: 3, last_status_code: 204 });
    expect(d!.attempt_log.map((a) => a.status_code)).toEqual([500, 302, 204]);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('honours Retry-After on 429 and 503', async () => {
    const ep = await endpoint();
    receiver.answer(() => ({ status: 429, headers: { 'retry-after': '120' } }));
    const started = clock.now().getTime();
    await happen({ type: 'order.created', object: { id: 'ord_429' } });
    const [d] = await deliveries(ep.id);
    expect(Date.parse(d!.next_attempt_at!) - started).toBeGreaterThanOrEqual(120_000);
  });

  it('a 410 disables the endpoint at once and emits webhook_endpoint.disabled', async () => {
    const ep = await endpoint();
    receiver.answer(() => ({ status: 410 }));
    await happen({ type: 'order.created', object: { id: 'ord_gone' } });
    const got = await endpointNow(ep.id);
    expect(got).toMatchObject({ status: 'disabled', disabled_reason: 'gone' });
    expect((await deliveries(ep.id))[0]).toMatchObject({ status: 'failed', attempts: 1, last_status_code: 410 });
    const disabled = await eventsOf(t, ['webhook_endpoint.disabled'], ep.id);
    expect(disabled).toHaveLength(1);
    expect(disabled[0]!.data.previous_attributes).toEqual({ status: 'enabled', disabled_reason: null });

    // a disabled endpoint gets no new deliveries
    receiver.received.length = 0;
    await happen({ type: 'order.created', object: { id: 'ord_after' } });
    expect(receiver.received).toHaveLength(0);
  });

  it('gives up after the 8th attempt, over about 33 hours, and reports it without feeding the failing endpoint', async () => {
    const ep = await endpoint();
    receiver.answer(() => ({ status: 500 }));
    await happen({ type: 'order.created', object: { id: 'ord_exhaust' } });
    for (let i = 0; i < 7; i++) {
      clock.advance(11 * 3600_000);
      await t.modules.dispatcher.drain();
      await t.modules.webhooks.worker.drain();
    }
    const [d] = await deliveries(ep.id);
    expect(d).toMatchObject({ status: 'failed', attempts: 8, next_attempt_at: null });
    expect(receiver.received).toHaveLength(8);
    const failed = await eventsOf(t, ['webhook_delivery.failed']);
    expect(failed.filter((e) => e.data.object.id === d!.id)).toHaveLength(1);
    expect(receiver.received.some((r) => r.body.includes('webhook_delivery.failed'))).toBe(false);
  });

  it('disables an endpoint whose every attempt failed for 5 days', async () => {
    const ep = await endpoint(['order.*']);
    receiver.answer(() => ({ status: 503 }));
    await happen({ type: 'order.created', object: { id: 'ord_d1' } });
    expect((await endpointNow(ep.id)).failing_since).toBe(clock.now().toISOString());
    clock.advance(4 * 86_400_000);
    await happen({ type: 'order.created', object: { id: 'ord_d2' } });
    expect((await endpointNow(ep.id)).status).toBe('enabled');
    clock.advance(86_400_000);
    await happen({ type: 'order.created', object: { id: 'ord_d3' } });
    expect(await endpointNow(ep.id)).toMatchObject({ status: 'disabled', disabled_reason: 'failing' });
    expect(await eventsOf(t, ['webhook_endpoint.disabled'], ep.id)).toHaveLength(1);
  });

  it('one success clears the failing streak', async () => {
    const ep = await endpoint(['order.*']);
    receiver.answer((_r, n) => ({ status: n === 1 ? 500 : 200 }));
    await happen({ type: 'order.created', object: { id: 'ord_s1' } });
    expect((await endpointNow(ep.id)).failing_since).not.toBeNull();
    await happen({ type: 'order.created', object: { id: 'ord_s2' } });
    expect((await endpointNow(ep.id)).failing_since).toBeNull();
  });

  it('two workers never send one delivery twice in a pass, and every delivery is sent', async () => {
    await endpoint();
    const ctx = jobContext({ db: t.db, ids, now: clock.now }, 'test');
    await ctx.db.transaction((tx) => emit(tx, ctx, Array.from({ length: 60 }, (_, i) => ({ type: 'order.created', object: { id: `ord_par_${i}` } }))));
    await t.modules.dispatcher.drain();
    await Promise.all([t.modules.webhooks.worker.drain(), t.modules.webhooks.worker.drain(), t.modules.webhooks.worker.drain()]);
    const ids60 = receiver.received.map((r) => r.headers['webhook-id']);
    expect(ids60).toHaveLength(60);
    expect(new Set(ids60).size).toBe(60);
  });

  it('a dispatcher running twice over one event makes one delivery (fan-out is idempotent)', async () => {
    const ep = await endpoint();
    const [event] = await happen({ type: 'order.created', object: { id: 'ord_twice' } });
    await t.db.forEnv('test').query('INSERT INTO outbox (event_id, available_at) VALUES ($1, $2)', [event!.id, clock.now()]);
    await t.modules.dispatcher.drain();
    await t.modules.webhooks.worker.drain();
    expect(await deliveries(ep.id)).toHaveLength(1);
    expect(receiver.received).toHaveLength(1);
  });

  it('exposes deliveries by outcome, attempts per endpoint, queue depth, delay and how long endpoints have failed', async () => {
    const ep = await endpoint(['order.*']);
    receiver.answer(() => ({ status: 500 }));
    await happen({ type: 'order.created', object: { id: 'ord_metrics' } });
    const text = await t.metrics.registry.metrics();
    expect(text).toMatch(/tessera_webhook_deliveries_total\{outcome="succeeded"\} [1-9]/);
    expect(text).toMatch(/tessera_webhook_deliveries_total\{outcome="retrying"\} [1-9]/);
    expect(text).toContain(`tessera_webhook_attempts_total{endpoint="${ep.id}",result="failure"} 1`);
    expect(text).toMatch(/tessera_webhook_queue_depth\{environment="test"\} [1-9]/);
    expect(text).toMatch(/tessera_webhook_delivery_delay_seconds_count [1-9]/);
    expect(text).toContain(`tessera_webhook_endpoint_failing_seconds{environment="test",endpoint="${ep.id}"} 0`);
    expect(text).toMatch(/tessera_outbox_depth\{environment="test"\} 0/);
    expect(text).toMatch(/tessera_events_dispatched_total\{outcome="ok"\} [1-9]/);
  });
});
