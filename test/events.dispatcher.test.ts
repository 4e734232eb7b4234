import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulidIds } from '../src/platform/crypto/ids.js';
import { emit } from '../src/platform/events/outbox.js';
import { jobContext } from '../src/platform/http/module.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { manualClock } from './helpers/receiver.js';

let t: TestApp;
const clock = manualClock();
const ids = ulidIds();
const seen: string[] = [];
let poisonFixed = false;

beforeAll(async () => {
  t = await startTestApp({ now: clock.now });
  // a subscriber that fails on one kind of event until it is "fixed"
  t.modules.dispatcher.subscribe('test.flaky', async (_tx, events) => {
    if (!poisonFixed && events.some((e) => e.type === 'poison.created')) throw new Error('cannot handle poison');
    seen.push(...events.map((e) => e.id));
  });
});
afterAll(() => t.close());

const outbox = async () => (await t.db.forEnv('test').query<{ event_id: string; attempts: number; available_at: Date; last_error: string | null }>('SELECT * FROM outbox')).rows;

describe('dispatcher', () => {
  it('a failing event waits with back-off; the rest of its batch is handed over; it goes through once it can', async () => {
    const ctx = jobContext({ db: t.db, ids, now: clock.now }, 'test');
    const [ok1, poison, ok2] = await ctx.db.transaction((tx) =>
      emit(tx, ctx, [
        { type: 'probe.created', object: { id: 'a' } },
        { type: 'poison.created', object: { id: 'b' } },
        { type: 'probe.created', object: { id: 'c' } },
      ]),
    );
    await t.modules.dispatcher.drain();
    expect(seen).toEqual(expect.arrayContaining([ok1!.id, ok2!.id]));
    expect(seen).not.toContain(poison!.id);
    const left = await outbox();
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ event_id: poison!.id, attempts: 1, last_error: 'cannot handle poison' });
    expect(left[0]!.available_at.getTime() - clock.now().getTime()).toBe(1000);

    await t.modules.dispatcher.drain(); // not due yet
    expect((await outbox())[0]!.attempts).toBe(1);
    clock.advance(1000);
    await t.modules.dispatcher.drain();
    expect((await outbox())[0]).toMatchObject({ attempts: 2 });
    expect((await outbox())[0]!.available_at.getTime() - clock.now().getTime()).toBe(2000);

    poisonFixed = true;
    clock.advance(2000);
    await t.modules.dispatcher.drain();
    expect(await outbox()).toEqual([]);
    expect(seen.filter((id) => id === poison!.id)).toHaveLength(1);
  });

  it('events written by a rolled-back transaction never reach a subscriber', async () => {
    const ctx = jobContext({ db: t.db, ids, now: clock.now }, 'test');
    let written = '';
    await expect(
      ctx.db.transaction(async (tx) => {
        written = (await emit(tx, ctx, { type: 'probe.created', object: { id: 'rolled_back' } }))[0]!.id;
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await t.modules.dispatcher.drain();
    expect(seen).not.toContain(written);
    expect((await t.call('GET', `/v1/events/${written}`)).statusCode).toBe(404);
  });
});
