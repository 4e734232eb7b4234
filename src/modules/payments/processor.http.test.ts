import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startEmulators, type RunningEmulators } from './emulator/index.js';
import { HttpProcessor } from './processor.http.js';

// The real client against the real emulator over loopback HTTP: no mocks.
let emulators: RunningEmulators;
let simpay: HttpProcessor;
beforeAll(async () => {
  emulators = await startEmulators();
  simpay = new HttpProcessor({ name: 'simpay', url: emulators.simpay.url, apiKey: emulators.simpay.apiKey, timeoutMs: 1000 });
});
afterAll(async () => {
  simpay.close();
  await emulators.close();
});
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

/**
 * A bare HTTP server whose answer the test decides per request; `connections` counts TCP
 * connections and `nth` numbers requests within their connection (1 = first on it).
 */
async function rawServer(answer: (req: http.IncomingMessage, res: http.ServerResponse, nth: number) => void) {
  let connections = 0;
  const perSocket = new WeakMap<net.Socket, number>();
  const server = http.createServer((req, res) => {
    const nth = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, nth);
    req.resume();
    req.on('end', () => answer(req, res, nth));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const json = (res: http.ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const lookupHit = { object: 'list', data: [{ id: 'au_1', reference: 'pay_z_1', status: 'authorized' }] };

describe('HttpProcessor connections', () => {
  it('keeps connections alive: sequential calls share one connection', async () => {
    const server = await rawServer((_req, res) => json(res, 200, lookupHit));
    const client = new HttpProcessor({ name: 'raw', url: server.url, apiKey: 'k', timeoutMs: 1000 });
    try {
      for (let i = 0; i < 5; i++) expect((await client.lookup('pay_z_1')).kind).toBe('ok');
      expect(server.connections()).toBe(1);
    } finally {
      client.close();
      await server.close();
    }
  });

  it('a reused connection dropped before any answer: a POST is ambiguous; a GET is asked again on a new connection', async () => {
    // The server reads the second request of each connection and drops it unanswered: it may have acted on it.
    const server = await rawServer((req, res, nth) => (nth > 1 ? req.socket.destroy() : json(res, 200, lookupHit)));
    const client = new HttpProcessor({ name: 'raw', url: server.url, apiKey: 'k', timeoutMs: 1000 });
    try {
      expect((await client.lookup('pay_z_1')).kind).toBe('ok');
      expect(await client.authorize(auth('tok_visa', 'pay_z_1'))).toMatchObject({ kind: 'ambiguous', reason: expect.stringMatching(/^network error/) });
      expect((await client.lookup('pay_z_1')).kind).toBe('ok'); // first on a fresh connection
      expect(await client.lookup('pay_z_1')).toEqual({ kind: 'ok', value: lookupHit.data[0] }); // reused, dropped, asked again
      expect(server.connections()).toBe(3);
    } finally {
      client.close();
      await server.close();
    }
  });

  it('a 2xx that is not JSON is ambiguous; a connection dropped mid-answer is ambiguous', async () => {
    const server = await rawServer((req, res) => {
      if (req.method === 'GET') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' }).write('{"id":');
      setTimeout(() => req.socket.destroy(), 20);
    });
    const client = new HttpProcessor({ name: 'raw', url: server.url, apiKey: 'k', timeoutMs: 1000 });
    try {
      expect(await client.lookup('pay_y_1')).toEqual({ kind: 'ambiguous', reason: 'unparseable 200 answer' });
      expect((await client.authorize(auth('tok_visa', 'pay_y_1'))).kind).toBe('ambiguous');
    } finally {
      client.close();
      await server.close();
    }
  });

  it('the timeout covers waiting for a connection: a request that never got one is unavailable', async () => {
    const server = await rawServer(() => undefined); // never answers
    const client = new HttpProcessor({ name: 'raw', url: server.url, apiKey: 'k', timeoutMs: 300, maxSockets: 1 });
    // Both deadlines must fall in one timer run: with real timers, the two requests could start on
    // either side of a millisecond boundary, and the second would then get the first's freed slot
    // (and be sent) a moment before its own deadline. Only setTimeout is faked; sockets stay real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const first = client.authorize(auth('tok_visa', 'pay_w_1')); // holds the only connection
      const second = client.authorize(auth('tok_visa', 'pay_w_2')); // waits for it, never sent
      while (server.connections() < 1) await new Promise((r) => setImmediate(r));
      vi.advanceTimersByTime(300); // synchronously: both deadlines pass before any socket event
      expect(await first).toEqual({ kind: 'ambiguous', reason: 'timeout after 300 ms' });
      expect(await second).toEqual({ kind: 'unavailable', reason: 'no connection within 300 ms' });
      expect(server.connections()).toBe(1);
    } finally {
      vi.useRealTimers();
      client.close();
      await server.close();
    }
  });
});
