import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorControl, type EmulatorControl, type RunningEmulators } from '../src/modules/payments/index.js';
import { ulidIds } from '../src/platform/crypto/ids.js';
import type { ServiceContext } from '../src/platform/http/context.js';
import { startTestApp, type TestApp } from './helpers/app.js';

// Breakers: 2 consecutive failures open simpay's circuit; it lets a test request through after 600 ms.
let t: TestApp;
let emulators: RunningEmulators;
let simpay: EmulatorControl;
let altpay: EmulatorControl;
let ctx: ServiceContext;

beforeAll(async () => {
  t = await startTestApp({ env: { TESSERA_PAYMENT_TIMEOUT_MS: '3000', TESSERA_PAYMENT_BREAKER_THRESHOLD: '2', TESSERA_PAYMENT_BREAKER_HALF_OPEN_MS: '600' } });
  emulators = t.modules.payments.processors.emulators.test!;
  simpay = emulatorControl(emulators.simpay);
  altpay = emulatorControl(emulators.altpay);
  ctx = { env: 'test', db: t.db.forEnv('test'), actor: null, requestId: 'req_test', now: () => new Date(), ids: ulidIds() };
});
afterAll(() => t.close());

const pay = (token = 'tok_visa') => t.modules.payments.service.authorize(ctx, { amount: 1000, currency: 'USD', token, captureMethod: 'manual' });
const outcomes = (p: { attempts: Array<{ processor: string; outcome: string }> }) => p.attempts.map((a) => `${a.processor}:${a.outcome}`);

async function circuitGauge(processor: string): Promise<number | undefined> {
  const text = await t.metrics.registry.metrics();
  const m = new RegExp(`^tessera_payment_circuit_state\\{processor="${processor}",environment="test"\\} (\\d)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

describe('circuit breakers and connection failures', () => {
  it('declines do not count against a processor', async () => {
    for (let i = 0; i < 3; i++) expect((await pay('tok_decline')).outcome).toBe('declined');
    expect(t.modules.payments.breakers.state('test', 'simpay')).toBe('closed');
    expect(await circuitGauge('simpay')).toBe(0);
  });

  it('a refused connection fails over; after two, the circuit opens and simpay is not called at all', async () => {
    await emulators.simpay.emulator.stop();
    try {
      const first = await pay();
      expect(outcomes(first.payment)).toEqual(['simpay:unavailable', 'altpay:authorized']);
      expect(first.payment.attempts[0]!.detail).toMatch(/ECONNREFUSED/);
      const second = await pay();
      expect(outcomes(second.payment)).toEqual(['simpay:unavailable', 'altpay:authorized']);
      expect(t.modules.payments.breakers.state('test', 'simpay')).toBe('open');
      expect(await circuitGauge('simpay')).toBe(1);
    } finally {
      await emulators.simpay.emulator.start();
    }
    const before = (await simpay.authorizations()).requests;
    const third = await pay();
    expect(outcomes(third.payment)).toEqual(['simpay:circuit_open', 'altpay:authorized']);
    expect(third.payment.attempts[0]).toMatchObject({ latency_ms: 0, detail: 'circuit open; not called' });
    expect((await simpay.authorizations()).requests).toBe(before); // simpay is up again, yet was not asked
    expect((await altpay.authorizations()).count).toBe(3);
  });

  it('half-open: after the delay one request goes through; success closes the circuit', async () => {
    await new Promise((r) => setTimeout(r, 700));
    const recovered = await pay();
    expect(outcomes(recovered.payment)).toEqual(['simpay:authorized']);
    expect(t.modules.payments.breakers.state('test', 'simpay')).toBe('closed');
    expect(await circuitGauge('simpay')).toBe(0);
  });

  it('a failed half-open test reopens it; 503 outages count like refused connections', async () => {
    await simpay.outage(true);
    await pay();
    await pay();
    expect(t.modules.payments.breakers.state('test', 'simpay')).toBe('open');
    await new Promise((r) => setTimeout(r, 700));
    const probe = await pay(); // the half-open test request meets the outage
    expect(outcomes(probe.payment)).toEqual(['simpay:unavailable', 'altpay:authorized']);
    expect(t.modules.payments.breakers.state('test', 'simpay')).toBe('open');
    expect(outcomes((await pay()).payment)).toEqual(['simpay:circuit_open', 'altpay:authorized']);
    await simpay.outage(false);
  });

  it('exports processor latency per operation and outcome', async () => {
    const text = await t.metrics.registry.metrics();
    expect(text).toMatch(/tessera_payment_processor_duration_seconds_count\{processor="simpay",operation="authorize",outcome="unavailable",environment="test"\} \d+/);
    expect(text).toMatch(/tessera_payment_processor_duration_seconds_count\{processor="simpay",operation="authorize",outcome="circuit_open",environment="test"\} \d+/);
    expect(text).toMatch(/tessera_payment_processor_duration_seconds_count\{processor="altpay",operation="authorize",outcome="ok",environment="test"\} \d+/);
  });
});
