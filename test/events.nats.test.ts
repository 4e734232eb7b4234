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
    const after = (await jsm.streams.info(STREAM, { subjects_filter: `tessera.test.${type}` })).state.messages;
    expect(after).toBe(before);
  });
});
