import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MalformedPayloadError, type RawScan } from './carrier.js';
import { usps } from './usps.js';

/**
 * USPS Tracking event codes (USPS's event code appendix; not in the standards). 53 and 54 are
 * "notice left" reasons (receptacle blocked; receptacle full / item oversized), so failed attempts.
 */
const documented = [
  ['MA', 'pre_transit'],
  ['GX', 'pre_transit'],
  ['03', 'in_transit'],
  ['80', 'in_transit'],
  ['81', 'in_transit'],
  ['10', 'in_transit'],
  ['L1', 'in_transit'],
  ['T1', 'in_transit'],
  ['07', 'in_transit'],
  ['OF', 'out_for_delivery'],
  ['01', 'delivered'],
  ['02', 'delivery_failed'],
  ['53', 'delivery_failed'],
  ['54', 'delivery_failed'],
  ['16', 'available_for_pickup'],
  ['04', 'delivery_failed'],
  ['09', 'return_to_sender'],
  ['21', 'return_to_sender'],
  ['22', 'return_to_sender'],
  ['29', 'return_to_sender'],
  ['31', 'return_to_sender'],
] as const;

describe('USPS status table', () => {
  it('lists exactly the documented event codes', () => {
    expect(usps.table).toEqual(Object.fromEntries(documented));
  });

  it.each(documented)('normalizes %s to %s', (code, status) => {
    expect(usps.normalize(code)).toBe(status);
    expect(usps.normalize(` ${code.toLowerCase()} `)).toBe(status);
  });

  it.each(['1', '3', '001', '00', '99', 'DL', 'O F', '', '1.0'])('reads %j as unknown (codes are two characters, zeros kept)', (code) => {
    expect(usps.normalize(code)).toBe('unknown');
  });

  it('walks MA, 03, 10, OF, 01', () => {
    expect(usps.journey).toEqual(['MA', '03', '10', 'OF', '01']);
  });
});

const payload = {
  trackingNumber: '9400111899223197428490',
  trackingEvents: [
    { eventId: 'u1', eventCode: '03', eventType: 'USPS picked up item', eventTimestamp: '2025-03-01T09:15:42Z', eventCity: 'BROOKLYN', eventState: 'NY' },
    { eventId: 'u2', eventCode: '10', eventType: 'Processed at USPS Facility', eventTimestamp: '2025-03-01T22:04:00Z', eventCity: 'NEW YORK NY NETWORK DISTRIBUTION CENTER' },
    { eventId: 'u3', eventCode: '01', eventType: 'Delivered, In/At Mailbox', eventTimestamp: '2025-03-03T13:37:00Z' },
  ],
};

const scans: RawScan[] = [
  { scanId: 'u1', trackingNumber: '9400111899223197428490', rawCode: '03', rawMessage: 'USPS picked up item', occurredAt: new Date('2025-03-01T09:15:42Z'), location: 'BROOKLYN, NY' },
  {
    scanId: 'u2',
    trackingNumber: '9400111899223197428490',
    rawCode: '10',
    rawMessage: 'Processed at USPS Facility',
    occurredAt: new Date('2025-03-01T22:04:00Z'),
    location: 'NEW YORK NY NETWORK DISTRIBUTION CENTER',
  },
  { scanId: 'u3', trackingNumber: '9400111899223197428490', rawCode: '01', rawMessage: 'Delivered, In/At Mailbox', occurredAt: new Date('2025-03-03T13:37:00Z'), location: null },
];

function withEvent(patch: Record<string, unknown>): unknown {
  return { ...payload, trackingEvents: [{ ...payload.trackingEvents[0], ...patch }] };
}

describe('USPS webhook format', () => {
  it('reads tracking events, city and state as the location', () => {
    expect(usps.parse(JSON.stringify(payload))).toEqual(scans);
  });

  it('writes the payload it reads, key for key', () => {
    expect(usps.render(scans)).toBe(JSON.stringify(payload));
  });

  it('reads offsets, and empty or null city and state as no location', () => {
    const parse = (patch: Record<string, unknown>) => usps.parse(JSON.stringify(withEvent(patch)))[0];
    expect(parse({ eventTimestamp: '2025-03-01T04:15:42-05:00' })?.occurredAt).toEqual(new Date('2025-03-01T09:15:42Z'));
    expect(parse({ eventCity: '', eventState: '' })?.location).toBeNull();
    expect(parse({ eventCity: null, eventState: 'NY' })?.location).toBe('NY');
  });

  it('keeps leading zeros of event codes, which are strings', () => {
    expect(usps.parse(JSON.stringify(payload)).map((s) => s.rawCode)).toEqual(['03', '10', '01']);
  });

  it.each<[string, unknown]>([
    ['no tracking number', { trackingEvents: payload.trackingEvents }],
    ['an empty tracking number', { ...payload, trackingNumber: '' }],
    ['no tracking events', { trackingNumber: '9400' }],
    ['tracking events as null', { ...payload, trackingEvents: null }],
    ['a tracking event that is a number', { ...payload, trackingEvents: [1] }],
    ['no event id', withEvent({ eventId: undefined })],
    ['no event code', withEvent({ eventCode: undefined })],
    ['a numeric event code (3 for 03)', withEvent({ eventCode: 3 })],
    ['no event type', withEvent({ eventType: undefined })],
    ['no timestamp', withEvent({ eventTimestamp: undefined })],
    ['a local timestamp without an offset', withEvent({ eventTimestamp: '2025-03-01T09:15:42' })],
    ['a US-style date', withEvent({ eventTimestamp: '03/01/2025 9:15 am' })],
    ['29 February of a common year', withEvent({ eventTimestamp: '2025-02-29T09:15:42Z' })],
    ['second 60', withEvent({ eventTimestamp: '2025-03-01T09:15:60Z' })],
    ['offset minutes 60', withEvent({ eventTimestamp: '2025-03-01T09:15:42+05:60' })],
    ['a numeric city', withEvent({ eventCity: 11201 })],
    ['a state as an object', withEvent({ eventState: { code: 'NY' } })],
  ])('rejects a payload with %s', (_, body) => {
    expect(() => usps.parse(JSON.stringify(body))).toThrow(MalformedPayloadError);
  });

  it('refuses to render no scans, or two shipments in one payload', () => {
    expect(() => usps.render([])).toThrow(RangeError);
    expect(() => usps.render([scans[0]!, { ...scans[1]!, trackingNumber: '9400' }])).toThrow(RangeError);
  });
});

describe('USPS signature', () => {
  const secret = 'usps_secret';
  const now = new Date('2025-03-01T12:00:00.400Z');
  const ts = 1740830400; // now, in whole seconds
  const body = usps.render(scans);
  const sig = (t: number | string, b = body) => createHmac('sha256', secret).update(`${t}:${b}`).digest('base64');
  const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

  it('is x-usps-timestamp: <unix seconds> and x-usps-signature: <base64 HMAC-SHA256 of "<ts>:<body>">', () => {
    expect(usps.sign(body, secret, now)).toEqual({ 'x-usps-timestamp': String(ts), 'x-usps-signature': sig(ts) });
  });

  it('accepts a timestamp up to 300 s old or 300 s ahead of our clock, and no further', () => {
    const headers = usps.sign(body, secret, now);
    expect(usps.verify(body, headers, secret, at(300))).toBe(true);
    expect(usps.verify(body, headers, secret, at(-300))).toBe(true);
    expect(usps.verify(body, headers, secret, at(301))).toBe(false);
    expect(usps.verify(body, headers, secret, at(-301))).toBe(false);
  });

  it('rejects a timestamp changed without re-signing, and a stale one re-signed in full', () => {
    expect(usps.verify(body, { 'x-usps-timestamp': String(ts + 1), 'x-usps-signature': sig(ts) }, secret, now)).toBe(false);
    expect(usps.verify(body, { 'x-usps-timestamp': String(ts - 301), 'x-usps-signature': sig(ts - 301) }, secret, now)).toBe(false);
  });

  it.each([
    ['a timestamp in milliseconds', `${ts}000`, sig(`${ts}000`)],
    ['a timestamp with a leading zero', `0${ts}`, sig(`0${ts}`)],
    ['a fractional timestamp', `${ts}.5`, sig(`${ts}.5`)],
    ['an ISO timestamp', now.toISOString(), sig(now.toISOString())],
    ['the signature in hex', String(ts), createHmac('sha256', secret).update(`${ts}:${body}`).digest('hex')],
    ['a signature of the body alone', String(ts), createHmac('sha256', secret).update(body).digest('base64')],
    ['a "." separator (the DHL scheme)', String(ts), createHmac('sha256', secret).update(`${ts}.${body}`).digest('base64')],
  ])('rejects %s', (_, timestamp, signature) => {
    expect(usps.verify(body, { 'x-usps-timestamp': timestamp, 'x-usps-signature': signature }, secret, now)).toBe(false);
  });
});
