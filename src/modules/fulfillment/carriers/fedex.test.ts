import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MalformedPayloadError, type RawScan } from './carrier.js';
import { fedex } from './fedex.js';

/** The FedEx rows of the standards' "Carrier status normalisation" table (DE: failure → delivery_failed). */
const documented = [
  ['OC', 'pre_transit'],
  ['PU', 'in_transit'],
  ['AR', 'in_transit'],
  ['DP', 'in_transit'],
  ['IT', 'in_transit'],
  ['AF', 'in_transit'],
  ['OD', 'out_for_delivery'],
  ['DL', 'delivered'],
  ['DE', 'delivery_failed'],
  ['SE', 'on_hold'],
  ['CD', 'on_hold'],
  ['HA', 'on_hold'],
  ['CA', 'cancelled'],
] as const;

describe('FedEx status table', () => {
  it('lists exactly the documented event types', () => {
    expect(fedex.table).toEqual(Object.fromEntries(documented));
  });

  it.each(documented)('normalizes %s to %s', (code, status) => {
    expect(fedex.normalize(code)).toBe(status);
    expect(fedex.normalize(`\t${code.toLowerCase()} `)).toBe(status);
  });

  it.each(['D', 'OK', 'WC', 'HL', 'HP', 'O C', '', 'dl.'])('reads %j as unknown', (code) => {
    expect(fedex.normalize(code)).toBe('unknown');
  });

  it('walks OC, PU, AR, DP, OD, DL', () => {
    expect(fedex.journey).toEqual(['OC', 'PU', 'AR', 'DP', 'OD', 'DL']);
  });
});

const payload = {
  trackingNumber: '794644790138',
  scanEvents: [
    { eventId: 'ev_1', eventType: 'PU', eventDescription: 'Picked up', date: '2025-03-01T09:15:42+00:00', scanLocation: { city: 'Memphis', stateOrProvinceCode: 'TN', countryCode: 'US' } },
    { eventId: 'ev_2', eventType: 'AR', eventDescription: 'Arrived at FedEx location', date: '2025-03-01T11:00:00+00:00', scanLocation: { city: 'Paris', countryCode: 'FR' } },
    { eventId: 'ev_3', eventType: 'DL', eventDescription: 'Delivered', date: '2025-03-02T08:30:05+00:00' },
  ],
};

const scans: RawScan[] = [
  { scanId: 'ev_1', trackingNumber: '794644790138', rawCode: 'PU', rawMessage: 'Picked up', occurredAt: new Date('2025-03-01T09:15:42Z'), location: 'Memphis, TN, US' },
  { scanId: 'ev_2', trackingNumber: '794644790138', rawCode: 'AR', rawMessage: 'Arrived at FedEx location', occurredAt: new Date('2025-03-01T11:00:00Z'), location: 'Paris, FR' },
  { scanId: 'ev_3', trackingNumber: '794644790138', rawCode: 'DL', rawMessage: 'Delivered', occurredAt: new Date('2025-03-02T08:30:05Z'), location: null },
];

function withEvent(patch: Record<string, unknown>): unknown {
  return { ...payload, scanEvents: [{ ...payload.scanEvents[0], ...patch }] };
}

function occurredAt(date: string): Date | undefined {
  return fedex.parse(JSON.stringify(withEvent({ date })))[0]?.occurredAt;
}

describe('FedEx webhook format', () => {
  it('reads the scan events, their location as city, state, country', () => {
    expect(fedex.parse(JSON.stringify(payload))).toEqual(scans);
  });

  it('writes the payload it reads, key for key', () => {
    expect(fedex.render(scans)).toBe(JSON.stringify(payload));
  });

  it('reads the offset FedEx writes (the scan’s local time) to the right instant', () => {
    expect(occurredAt('2025-03-01T03:15:42-06:00')).toEqual(new Date('2025-03-01T09:15:42Z'));
    expect(occurredAt('2025-03-01T14:45:42+05:30')).toEqual(new Date('2025-03-01T09:15:42Z'));
    expect(occurredAt('2025-03-01T09:15:42Z')).toEqual(new Date('2025-03-01T09:15:42Z'));
    expect(occurredAt('2025-03-01T09:15:42.250Z')).toEqual(new Date('2025-03-01T09:15:42.250Z'));
    expect(occurredAt('2025-03-01T23:30:00-06:00')).toEqual(new Date('2025-03-02T05:30:00Z'));
  });

  it('reads a location with any of its fields missing', () => {
    const parse = (scanLocation: unknown) => fedex.parse(JSON.stringify(withEvent({ scanLocation })))[0]?.location;
    expect(parse({ stateOrProvinceCode: 'TN', countryCode: 'US' })).toBe('TN, US');
    expect(parse({ city: 'Memphis', postalCode: '38118' })).toBe('Memphis');
    expect(parse({ city: '', stateOrProvinceCode: null })).toBeNull();
  });

  it.each<[string, unknown]>([
    ['no tracking number', { scanEvents: payload.scanEvents }],
    ['a numeric tracking number', { ...payload, trackingNumber: 794644790138 }],
    ['no scan events', { trackingNumber: '7946' }],
    ['scan events as a string', { ...payload, scanEvents: 'PU' }],
    ['a scan event that is an array', { ...payload, scanEvents: [['PU']] }],
    ['no event id', withEvent({ eventId: undefined })],
    ['no event type', withEvent({ eventType: undefined })],
    ['a numeric event type', withEvent({ eventType: 12 })],
    ['no description', withEvent({ eventDescription: undefined })],
    ['no date', withEvent({ date: undefined })],
    ['a date as epoch milliseconds', withEvent({ date: 1740820542000 })],
    ['a date without an offset', withEvent({ date: '2025-03-01T09:15:42' })],
    ['a date without a time', withEvent({ date: '2025-03-01' })],
    ['a date without seconds', withEvent({ date: '2025-03-01T09:15+00:00' })],
    ['31 April', withEvent({ date: '2025-04-31T09:15:42+00:00' })],
    ['hour 24', withEvent({ date: '2025-03-01T24:00:00+00:00' })],
    ['a compact offset', withEvent({ date: '2025-03-01T09:15:42+0000' })],
    ['offset hour 24', withEvent({ date: '2025-03-01T09:15:42+24:00' })],
    ['an English date', withEvent({ date: 'Sat, 01 Mar 2025 09:15:42 GMT' })],
    ['a scan location that is a string', withEvent({ scanLocation: 'Memphis' })],
    ['a numeric country', withEvent({ scanLocation: { city: 'Memphis', countryCode: 840 } })],
  ])('rejects a payload with %s', (_, body) => {
    expect(() => fedex.parse(JSON.stringify(body))).toThrow(MalformedPayloadError);
  });

  it('refuses to render no scans, or two shipments in one payload', () => {
    expect(() => fedex.render([])).toThrow(RangeError);
    expect(() => fedex.render([scans[0]!, { ...scans[1]!, trackingNumber: '000' }])).toThrow(RangeError);
  });
});

describe('FedEx signature', () => {
  const secret = 'fedex_secret';
  const now = new Date('2025-03-01T12:00:00Z');
  const body = fedex.render(scans);
  const digest = createHmac('sha256', secret).update(body).digest();

  it('is x-fedex-signature: <base64 HMAC-SHA256 of the body>', () => {
    expect(fedex.sign(body, secret, now)).toEqual({ 'x-fedex-signature': digest.toString('base64') });
  });

  it('carries no timestamp, so a signature stays valid at any time', () => {
    expect(fedex.verify(body, fedex.sign(body, secret, now), secret, new Date('2030-01-01T00:00:00Z'))).toBe(true);
  });

  it.each([digest.toString('hex'), digest.toString('base64url'), digest.toString('base64').slice(0, -1), `sha256=${digest.toString('base64')}`])(
    'rejects %s',
    (value) => {
      expect(fedex.verify(body, { 'x-fedex-signature': value }, secret, now)).toBe(false);
    },
  );
});
