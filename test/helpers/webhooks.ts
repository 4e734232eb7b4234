import { afterAll, beforeAll, beforeEach } from 'vitest';
import { ulidIds } from '../../src/platform/crypto/ids.js';
import { emit, type EventEnvelope, type NewEvent } from '../../src/platform/events/outbox.js';
import { jobContext } from '../../src/platform/http/module.js';
import { startTestApp, type TestApp } from './app.js';
import { manualClock, startReceiver } from './receiver.js';
import { api, ok } from './sdk.js';

/**
 * The shared bed of the webhook suites: an app on a manual clock (it starts now, since receivers
 * refuse timestamps more than 5 minutes off), one loopback receiver, and before each test no
 * endpoint left (an earlier test's endpoints would receive this test's events) and a receiver that
 * answers 200. Registers its own hooks; read `bed.t` and `bed.receiver` inside tests.
 */
export type TestbedReceiver = Awaited<ReturnType<typeof startReceiver>>;

export function webhookTestbed() {
  const ids = ulidIds();
  const bed = {
    t: undefined as unknown as TestApp,
    receiver: undefined as unknown as TestbedReceiver,
    clock: manualClock(),
    ids,
    /** Writes events as a state change would (in a transaction), then runs the dispatcher and the delivery worker until idle. */
    happen: async (...events: NewEvent[]): Promise<EventEnvelope[]> => {
      const ctx = jobContext({ db: bed.t.db, ids, now: bed.clock.now }, 'test');
      const written = await ctx.db.transaction((tx) => emit(tx, ctx, events));
      await bed.t.modules.dispatcher.drain();
      await bed.t.modules.webhooks.worker.drain();
      return written;
    },
  };
  beforeAll(async () => {
    bed.t = await startTestApp({ now: bed.clock.now });
    bed.receiver = await startReceiver();
  });
  afterAll(async () => {
    await bed.receiver.close();
    await bed.t.close();
  });
  beforeEach(async () => {
    bed.receiver.received.length = 0;
    bed.receiver.answer(() => ({ status: 200 }));
    const admin = api(bed.t);
    const list = ok(await admin.GET('/v1/webhook_endpoints', { params: { query: { limit: 100 } } }));
    for (const e of list.data) ok(await admin.DELETE('/v1/webhook_endpoints/{id}', { params: { path: { id: e.id } } }));
  });
  return bed;
}
