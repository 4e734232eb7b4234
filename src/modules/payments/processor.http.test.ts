import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from './emulator/index.js';
import { HttpProcessor } from './processor.http.js';

// The real client against the real emulator over loopback HTTP: no mocks.
let emulators: RunningEmulators;
let simpay: HttpProcessor;
beforeAll(async () => {
  emulators = await startEmulators();
  simpay = new HttpProcessor({ name: 'simpay', url: emulators.simpay.url, apiKey: emulators.simpay.apiKey, timeoutMs: 1000 });
});
afterAll(() => emulators.close());
beforeEach(() => emulators.simpay.emulator.state.reset());

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const auth = (token: string, reference: string, capture = false) => ({ amount: 1500, currency: 'USD', token, reference, capture });

describe('HttpProcessor against the emulator', () => {
  it('authorises once per idempotency key: a repeat returns the same authorization', async () => {
    const first = await simpay.authorize(auth('tok_visa', 'pay_a_1'));
    const again = await simpay.authorize(auth('tok_visa', 'pay_a_1'));
    expect(first.kind).toBe('ok');
    expect(again).toEqual(first);
    expect(emulators.simpay.emulator.state.approved()).toHaveLength(1);
    const other = await simpay.authorize({ ...auth('tok_visa', 'pay_a_1'), amount: 9 });
    expect(other).toMatchObject({ kind: 'rejected', code: 'idempotency_mismatch' });
  });

  it('classifies declines, outages, refused connections, timeouts and bad keys', async () => {
    expect(await simpay.authorize(auth('tok_insufficient_funds', 'pay_b_1'))).toEqual({ kind: 'declined', declineCode: 'insufficient_funds' });
    expect(await simpay.authorize(auth('tok_nonsense', 'pay_b_2'))).toEqual({ kind: 'declined', declineCode: 'invalid_token' });
    expect((await simpay.authorize(auth('tok_processor_down', 'pay_c_1'))).kind).toBe('unavailable');
    expect((await simpay.authorize(auth('tok_processor_down', 'pay_c_2'))).kind).toBe('ok');
    const hung = await simpay.authorize(auth('tok_timeout_after_auth', 'pay_d_1'));
    expect(hung).toMatchObject({ kind: 'ambiguous', reason: 'timeout after 1000 ms' });
    const found = await simpay.lookup('pay_d_1');
    expect(found).toMatchObject({ kind: 'ok', value: { reference: 'pay_d_1', status: 'authorized' } });
    expect(await simpay.lookup('pay_nothing_1')).toEqual({ kind: 'ok', value: null });
    const badKey = new HttpProcessor({ name: 'simpay', url: emulators.simpay.url, apiKey: 'wrong', timeoutMs: 1000 });
    expect(await badKey.authorize(auth('tok_visa', 'pay_e_1'))).toMatchObject({ kind: 'rejected', code: 'unauthorized' });
    const closed = new HttpProcessor({ name: 'simpay', url: `http://127.0.0.1:${await closedPort()}`, apiKey: 'x', timeoutMs: 1000 });
    expect(await closed.authorize(auth('tok_visa', 'pay_f_1'))).toMatchObject({ kind: 'unavailable', reason: 'connect error ECONNREFUSED' });
  });

  it('captures, refunds within the capture only, idempotently per reference, and reports settlements', async () => {
    const a = await simpay.authorize(auth('tok_visa', 'pay_g_1'));
    if (a.kind !== 'ok') throw new Error('not authorised');
    expect(await simpay.capture(a.value.id, 1000)).toMatchObject({ kind: 'ok', value: { status: 'captured', amount_captured: 1000 } });
    expect(await simpay.capture(a.value.id, 1500)).toMatchObject({ kind: 'ok', value: { amount_captured: 1000 } }); // already captured: its state
    const r1 = await simpay.refund(a.value.id, 600, 're_1');
    expect(await simpay.refund(a.value.id, 600, 're_1')).toEqual(r1);
    expect(await simpay.refund(a.value.id, 401, 're_2')).toMatchObject({ kind: 'rejected', code: 'amount_exceeds_captured' });
    expect(await simpay.settlements()).toEqual({
      kind: 'ok',
      value: [{ authorization_id: a.value.id, reference: 'pay_g_1', currency: 'USD', amount_captured: 1000, amount_refunded: 600 }],
    });
    expect(await simpay.void(a.value.id)).toMatchObject({ kind: 'rejected', code: 'invalid_state' });
  });

  it('answers 503 to everything during an outage, and connection errors once stopped', async () => {
    const control = (path: string, body: unknown) =>
      fetch(`${emulators.simpay.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${emulators.simpay.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await control('/_control/outage', { down: true });
    expect((await simpay.lookup('pay_x_1')).kind).toBe('unavailable');
    await control('/_control/outage', { down: false });
    await emulators.simpay.emulator.stop();
    expect((await simpay.lookup('pay_x_1')).kind).toBe('unavailable');
    await emulators.simpay.emulator.start();
    expect((await simpay.lookup('pay_x_1')).kind).toBe('ok');
  });
});
