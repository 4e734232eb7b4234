import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulidIds } from '../src/platform/crypto/ids.js';
import { emit } from '../src/platform/events/outbox.js';
import { jobContext } from '../src/platform/http/module.js';
import { startTestApp, type TestApp } from './helpers/app.js';

// The machine's NATS server with JetStream (CI has one); set TESSERA_TEST_NATS_URL to use another.
const NATS_URL = process.env.TESSERA_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const STREAM = 'TESSERA_EVENTS';

let t: TestApp;
let nc: NatsConnection;
let jsm: JetStreamManager;
const ids = ulidIds();

beforeAll(async () => {
  t = await startTestApp({ env: { NATS_URL, TESSERA_NATS_STREAM: STREAM } });
  nc = await connect({ servers: NATS_URL });
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  await nc?.drain();
  await t?.close();
});

/** Writes one event of a type unique to this run, and dispatches it. */
async function happen(type: string) {
  const ctx = jobContext({ db: t.db, ids, now: () => new Date() }, 'test');
  const [event] = await ctx.db.transaction((tx) => emit(tx, ctx, { type, object: { id: 'obj_1', object: 'probe' } }));
  await t.modules.dispatcher.drain();
  await t.modules.nats!.drain();
  return event!;
}

describe('NATS JetStream sink', () => {
  it('publishes every event on tessera.<environment>.<type> with the event id as message id', async () => {
    const type = `probe_${Date.now()}.created`;
    const event = await happen(type);
    const msg = await jsm.streams.getMessage(STREAM, { last_by_subj: `tessera.test.${type}` });
    expect(msg).not.toBeNull();
    expect(msg!.header?.get('Nats-Msg-Id')).toBe(event.id);
    expect(msg!.json()).toMatchObject({ id: event.id, type, environment: 'test', data: { object: { id: 'obj_1' } }, created_at: event.created_at.toISOString() });
  });

  it('a second dispatch of one event is deduplicated by JetStream', async () => {
    const type = `probe_${Date.now()}.dup`;
    const event = await happen(type);
    const before = (await jsm.streams.info(STREAM, { subjects_filter: `tessera.test.${type}` })).state.messages;
    await t.db.forEnv('test').query('INSERT INTO outbox (event_id, available_at) VALUES ($1, now())', [event.id]);
    await t.modules.dispatcher.drain();
    await t.modules.nats!.drain();
    const after = (await jsm.streams.info(STREAM, { subjects_filter: `tessera.test.${type}` })).state.messages;
    expect(after).toBe(before);
  });
});

describe('NATS down', () => {
  it('holds up nothing else: webhooks fan out, and the events wait in the sink queue with back-off', async () => {
    const down = await startTestApp({ env: { NATS_URL: 'nats://127.0.0.1:1', TESSERA_NATS_STREAM: STREAM } });
    try {
      const endpoint = await down.call('POST', '/v1/webhook_endpoints', { body: { url: 'http://127.0.0.1:9/hooks', enabled_events: ['*'] } });
      expect(endpoint.statusCode).toBe(201);
      const ctx = jobContext({ db: down.db, ids, now: () => new Date() }, 'test');
      const [event] = await ctx.db.transaction((tx) => emit(tx, ctx, { type: 'probe.down', object: { id: 'obj_2' } }));
      await down.modules.dispatcher.drain();
      expect(await down.modules.nats!.drain()).toBe(0);
      const { rows: outbox } = await down.db.forEnv('test').query('SELECT 1 FROM outbox');
      expect(outbox).toEqual([]);
      const { rows: deliveries } = await down.db.forEnv('test').query('SELECT 1 FROM webhook_deliveries WHERE event_id = $1', [event!.id]);
      expect(deliveries).toHaveLength(1);
      const { rows: queued } = await down.db.forEnv('test').query<{ attempts: number; available_at: Date; last_error: string }>('SELECT * FROM event_sink_queue WHERE event_id = $1', [event!.id]);
      expect(queued[0]!.attempts).toBe(1);
      expect(queued[0]!.available_at.getTime()).toBeGreaterThan(Date.now());
      expect(queued[0]!.last_error).toBeTruthy();
    } finally {
      await down.close();
    }
  });
});
