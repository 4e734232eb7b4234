import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { manualClock } from './helpers/receiver.js';
import { api, ok, problem } from './helpers/sdk.js';

/** `POST /v1/api_keys/:id/roll`: a new key with the old one's powers; the old one stops at once or after an overlap. */
const clock = manualClock();
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ now: clock.now });
});
afterAll(() => t.close());

async function restrictedKey(name: string) {
  return ok(await api(t).POST('/v1/api_keys', { body: { type: 'restricted', scopes: ['catalog:read'], name } }), 201);
}
const works = async (secret: string) => (await api(t, secret).GET('/v1/products', { params: { query: { limit: 1 } } })).response.status;
const roll = (id: string, body: { expires_in_seconds?: number }) => api(t).POST('/v1/api_keys/{id}/roll', { params: { path: { id } }, body });

describe('rolling an API key', () => {
  it('with an overlap: both keys work until the old one expires, then only the new one', async () => {
    const old = await restrictedKey('deploy');
    expect(await works(old.secret)).toBe(200);
    const rolled = ok(await roll(old.id, { expires_in_seconds: 3600 }));
    expect(rolled.key).toMatchObject({ type: 'restricted', scopes: ['catalog:read'], name: 'deploy', api_version: old.api_version, expires_at: null });
    expect(rolled.key.secret).not.toBe(old.secret);
    expect(rolled.key.id).not.toBe(old.id);
    expect(rolled.previous).toMatchObject({ id: old.id, revoked_at: null, expires_at: new Date(clock.now().getTime() + 3_600_000).toISOString() });
    expect(await works(old.secret)).toBe(200); // cached answers included
    expect(await works(rolled.key.secret)).toBe(200);

    clock.advance(3_600_001);
    expect(await works(old.secret)).toBe(401);
    expect(await works(rolled.key.secret)).toBe(200);
    // an expired key cannot be rolled again
    problem(await roll(old.id, {}), 404);
  });

  it('without an overlap: the old key stops at once, in every process', async () => {
    const other = await startTestApp({ database: { url: t.db.url, drop: async () => undefined }, now: clock.now });
    try {
      const old = await restrictedKey('ci');
      expect(await works(old.secret)).toBe(200);
      expect((await api(other, old.secret).GET('/v1/products', { params: { query: { limit: 1 } } })).response.status).toBe(200); // cached there too
      const rolled = ok(await roll(old.id, {}));
      expect(rolled.previous.revoked_at).not.toBeNull();
      expect(await works(old.secret)).toBe(401);
      await expect.poll(async () => (await api(other, old.secret).GET('/v1/products', { params: { query: { limit: 1 } } })).response.status).toBe(401);
      expect(await works(rolled.key.secret)).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('a second roll during the overlap never lengthens the first expiry; bad input is a 422 and changes nothing', async () => {
    const old = await restrictedKey('twice');
    const first = ok(await roll(old.id, { expires_in_seconds: 60 }));
    const second = ok(await roll(old.id, { expires_in_seconds: 7 * 86_400 }));
    expect(second.previous.expires_at).toBe(first.previous.expires_at);
    problem(await roll(old.id, { expires_in_seconds: 7 * 86_400 + 1 }), 422);
    problem(await roll('key_nope', {}), 404);
    const keys = ok(await api(t).GET('/v1/api_keys', { params: { query: { limit: 100 } } })).data.filter((k) => k.name === 'twice');
    expect(keys).toHaveLength(3); // the old key and two new ones: the refused roll made none
  });
});
