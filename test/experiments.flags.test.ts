import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { operations, TesseraClient } from '../sdk/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { eventsOf } from './helpers/events.js';
import { api, ok, problem } from './helpers/sdk.js';

let t: TestApp;
let admin: TesseraClient;
let shop: TesseraClient;
beforeAll(async () => {
  t = await startTestApp();
  admin = api(t);
  shop = api(t, t.keys.publishable);
});
afterAll(() => t.close());

type NewFlag = operations['postV1Flags']['requestBody']['content']['application/json'];
const byKey = (key: string) => ({ params: { path: { key } } });

async function createFlag(body: NewFlag) {
  return ok(await admin.POST('/v1/flags', { body }), 201);
}

async function evaluate(subject: string, attributes: Record<string, string> = {}, client = admin) {
  return ok(await client.POST('/v1/flags/evaluate', { body: { subject_id: subject, attributes } }), 200);
}

describe('flags CRUD', () => {
  it('creates, reads, lists, updates and deletes a flag by key, with flag.* events', async () => {
    const created = await createFlag({ key: 'crud-flag', description: 'New search', enabled: true, rollout: 25, rules: [{ attribute: 'country', operator: 'in', values: ['US', 'CA'] }] });
    expect(created).toMatchObject({ object: 'flag', key: 'crud-flag', enabled: true, rollout: 25, rules: [{ attribute: 'country', operator: 'in', values: ['US', 'CA'], rollout: 100 }] });
    expect(created.id).toMatch(/^flag_/);
    expect(ok(await admin.GET('/v1/flags/{key}', byKey('crud-flag')))).toEqual(created);
    const list = ok(await admin.GET('/v1/flags', { params: { query: { limit: 100 } } }));
    expect(list.data.map((f) => f.key)).toContain('crud-flag');

    const patched = ok(await admin.PATCH('/v1/flags/{key}', { ...byKey('crud-flag'), body: { rollout: 50, enabled: false } }), 200);
    expect(patched).toMatchObject({ rollout: 50, enabled: false });

    const deleted = ok(await admin.DELETE('/v1/flags/{key}', byKey('crud-flag')));
    expect(deleted).toEqual({ id: created.id, object: 'flag', key: 'crud-flag', deleted: true });
    problem(await admin.GET('/v1/flags/{key}', byKey('crud-flag')), 404);

    const events = await eventsOf(t, ['flag.*'], created.id);
    expect(events.map((e) => e.type)).toEqual(['flag.created', 'flag.updated', 'flag.deleted']);
    expect(events[1]!.data.previous_attributes).toEqual({ rollout: 25, enabled: true });
  });

  it('answers validation problems: bad key, rollout out of range, bad operator, taken key, unknown flag', async () => {
    const bad = async (body: NewFlag) => (await admin.POST('/v1/flags', { body })).error;
    // invalid on purpose: an operator the types do not allow
    const untyped = async (body: unknown) => (await t.call('POST', '/v1/flags', { body })).json<{ status: number; code: string }>();
    expect(await bad({ key: 'Has Spaces' })).toMatchObject({ status: 422, code: 'validation_failed' });
    expect(await bad({ key: 'f-range', rollout: 101 })).toMatchObject({ status: 422, code: 'validation_failed' });
    expect(await untyped({ key: 'f-op', rules: [{ attribute: 'country', operator: 'like', values: ['US'] }] })).toMatchObject({ status: 422, code: 'validation_failed' });
    expect(await bad({ key: 'f-empty', rules: [{ attribute: 'country', operator: 'in', values: [] }] })).toMatchObject({ status: 422, code: 'validation_failed' });
    await createFlag({ key: 'taken' });
    expect(await bad({ key: 'taken' })).toMatchObject({ status: 409, code: 'flag_key_taken' });
    expect(problem(await admin.PATCH('/v1/flags/{key}', { ...byKey('nope'), body: { enabled: true } }), 404)).toMatchObject({ status: 404, code: 'flag_not_found' });
    problem(await admin.PATCH('/v1/flags/{key}', { ...byKey('taken'), body: {} }), 422);
  });

  it('needs flags:* scopes to manage flags; a publishable key can evaluate but not manage', async () => {
    problem(await shop.GET('/v1/flags'), 403);
    problem(await shop.POST('/v1/flags', { body: { key: 'nope' } }), 403);
    ok(await shop.POST('/v1/flags/evaluate', { body: { subject_id: 'anon_1' } }), 200);
  });
});

describe('flag evaluation', () => {
  it('is deterministic and follows rules, rollout and on/off', async () => {
    await createFlag({ key: 'eval-on', enabled: true });
    await createFlag({ key: 'eval-off', enabled: false });
    await createFlag({ key: 'eval-zero', enabled: true, rollout: 0 });
    await createFlag({ key: 'eval-rules', enabled: true, rollout: 0, rules: [{ attribute: 'country', operator: 'in', values: ['US', 'CA'], rollout: 100 }, { attribute: 'plan', operator: 'not_in', values: ['free'], rollout: 0 }] });

    const us = await evaluate('cus_1', { country: 'US' }, shop);
    expect(us.values).toMatchObject({ 'eval-on': true, 'eval-off': false, 'eval-zero': false, 'eval-rules': true });
    expect(us.reasons['eval-rules']).toEqual({ reason: 'rule', rule: 0 });
    expect(us.reasons['eval-off']).toEqual({ reason: 'disabled', rule: null });
    const fr = await evaluate('cus_1', { country: 'FR', plan: 'pro' });
    expect(fr.values['eval-rules']).toBe(false);
    expect(fr.reasons['eval-rules']).toEqual({ reason: 'rule', rule: 1 });
    expect((await evaluate('cus_1', { country: 'US' })).values).toEqual(us.values);
  });

  it('turns a 30 % rollout on for about 30 % of 400 subjects, the same ones every time', async () => {
    await createFlag({ key: 'eval-thirty', enabled: true, rollout: 30 });
    const first: boolean[] = [];
    for (let i = 0; i < 400; i++) first.push((await evaluate(`anon_${i}`)).values['eval-thirty']!);
    const share = first.filter(Boolean).length / 400;
    // binomial sd at n=400, p=0.3 is 2.3 points; allow ~3 sd
    expect(Math.abs(share - 0.3)).toBeLessThan(0.07);
    for (let i = 0; i < 400; i += 37) expect((await evaluate(`anon_${i}`)).values['eval-thirty']).toBe(first[i]);
    // raising the rollout keeps everyone who had it
    ok(await admin.PATCH('/v1/flags/{key}', { ...byKey('eval-thirty'), body: { rollout: 60 } }));
    for (let i = 0; i < 400; i += 7) if (first[i]) expect((await evaluate(`anon_${i}`)).values['eval-thirty']).toBe(true);
  });

  it('refuses a request without subject_id', async () => {
    // invalid on purpose: without the subject_id the types require
    const res = await t.call('POST', '/v1/flags/evaluate', { body: { attributes: {} } });
    expect(res.json()).toMatchObject({ status: 422, code: 'validation_failed' });
  });
});
