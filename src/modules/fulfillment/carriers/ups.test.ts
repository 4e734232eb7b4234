import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MalformedPayloadError, type RawScan } from './carrier.js';
import { ups } from './ups.js';

/** The UPS rows of the standards' "Carrier status normalisation" table (X: failure → delivery_failed). */
const documented = [
  ['M', 'pre_transit'],
  ['MV', 'cancelled'],
  ['P', 'in_transit'],
  ['I', 'in_transit'],
  ['O', 'out_for_delivery'],
  ['D', 'delivered'],
  ['X', 'delivery_failed'],
  ['RS', 'return_to_sender'],
] as const;

describe('UPS status table', () => {
  it('lists exactly the documented activity types', () => {
    expect(ups.table).toEqual(Object.fromEntries(documented));
  });

  it.each(documented)('normalizes %s to %s', (code, status) => {
    expect(ups.normalize(code)).toBe(status);
    expect(ups.normalize(` ${code.toLowerCase()} `)).toBe(status);
  });

  it.each(['U', 'MM', 'R', 'S', 'DL', 'OK', '', 'M V'])('reads %j as unknown (U, "update", is not in the standards)', (code) => {
    expect(ups.normalize(code)).toBe('unknown');
  });

  it('walks M, P, I, O, D', () => {
    expect(ups.journey).toEqual(['M', 'P', 'I', 'O', 'D']);
  });
});

const payload = {
  trackingNumber: '1Z999AA10123456784',
  activity: [
    { activityId: 'act_1', type: 'I', description: 'Arrived at Facility', date: '20250301', time: '091542', location: { city: 'Louisville', country: 'US' } },
    { activityId: 'act_2', type: 'D', description: 'DELIVERED', date: '20240229', time: '235959', location: { city: 'Atlanta' } },
    { activityId: 'act_3', type: 'X', description: '', date: '20250302', time: '000000' },
  ],
};

const scans: RawScan[] = [
  {
    scanId: 'act_1',
    trackingNumber: '1Z999AA10123456784',
    rawCode: 'I',
    rawMessage: 'Arrived at Facility',
    occurredAt: new Date('2025-03-01T09:15:42Z'),
    location: 'Louisville, US',
  },
  { scanId: 'act_2', trackingNumber: '1Z999AA10123456784', rawCode: 'D', rawMessage: 'DELIVERED', occurredAt: new Date('2024-02-29T23:59:59Z'), location: 'Atlanta' },
  { scanId: 'act_3', trackingNumber: '1Z999AA10123456784', rawCode: 'X', rawMessage: '', occurredAt: new Date('2025-03-02T00:00:00Z'), location: null },
];

function withActivity(patch: Record<string, unknown>): unknown {
  return { ...payload, activity: [{ ...payload.activity[0], ...patch }] };
}

describe('UPS webhook format', () => {
  it('reads date and time as UTC, and city and country as the location', () => {
    expect(ups.parse(JSON.stringify(payload))).toEqual(scans);
  });

  it('writes the payload it reads, key for key', () => {
    expect(ups.render(scans)).toBe(JSON.stringify(payload));
  });

  it('reads a location with only a country, or with empty or null fields', () => {
    const parse = (location: unknown) => ups.parse(JSON.stringify(withActivity({ location })))[0]?.location;
    expect(parse({ country: 'US' })).toBe('US');
    expect(parse({ city: '', country: 'US' })).toBe('US');
    expect(parse({ city: null, country: null })).toBeNull();
    expect(parse({})).toBeNull();
    expect(parse(null)).toBeNull();
  });

  it('reads an empty activity list as no scans', () => {
    expect(ups.parse(JSON.stringify({ trackingNumber: '1Z9', activity: [] }))).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['no tracking number', { activity: payload.activity }],
    ['an empty tracking number', { ...payload, trackingNumber: '' }],
    ['a numeric tracking number', { ...payload, trackingNumber: 1234 }],
    ['no activity', { trackingNumber: '1Z9' }],
    ['activity as an object', { ...payload, activity: payload.activity[0] }],
    ['an activity that is a string', { ...payload, activity: ['I'] }],
    ['an activity that is null', { ...payload, activity: [null] }],
    ['no activity id', withActivity({ activityId: undefined })],
    ['a numeric activity id', withActivity({ activityId: 7 })],
    ['no type', withActivity({ type: undefined })],
    ['an empty type', withActivity({ type: '' })],
    ['no description', withActivity({ description: undefined })],
    ['no date', withActivity({ date: undefined })],
    ['no time', withActivity({ time: undefined })],
    ['a numeric date', withActivity({ date: 20250301 })],
    ['an ISO date', withActivity({ date: '2025-03-01' })],
    ['a seven-digit date', withActivity({ date: '2025031' })],
    ['30 February', withActivity({ date: '20250230' })],
    ['29 February of a common year', withActivity({ date: '20250229' })],
    ['month 13', withActivity({ date: '20251301' })],
    ['day 0', withActivity({ date: '20250300' })],
    ['hour 24', withActivity({ time: '240000' })],
    ['minute 60', withActivity({ time: '126000' })],
    ['second 60', withActivity({ time: '120060' })],
    ['a time with colons', withActivity({ time: '09:15:42' })],
    ['a location that is a string', withActivity({ location: 'Louisville, US' })],
    ['a numeric city', withActivity({ location: { city: 40202 } })],
  ])('rejects a payload with %s', (_, body) => {
    expect(() => ups.parse(JSON.stringify(body))).toThrow(MalformedPayloadError);
  });

  it('refuses to render no scans, or two shipments in one payload', () => {
    expect(() => ups.render([])).toThrow(RangeError);
    expect(() => ups.render([scans[0]!, { ...scans[1]!, trackingNumber: '1Z000' }])).toThrow(RangeError);
  });
});

describe('UPS signature', () => {
  const secret = 'ups_secret';
  const now = new Date('2025-03-01T12:00:00Z');
  const body = ups.render(scans);
  const hex = createHmac('sha256', secret).update(body).digest('hex');

  it('is x-ups-signature: sha256=<hex HMAC-SHA256 of the body>', () => {
    expect(ups.sign(body, secret, now)).toEqual({ 'x-ups-signature': `sha256=${hex}` });
  });

  it('accepts upper-case hex digits', () => {
    expect(ups.verify(body, { 'x-ups-signature': `sha256=${hex.toUpperCase()}` }, secret, now)).toBe(true);
  });

  it('carries no timestamp, so a signature stays valid at any time', () => {
    expect(ups.verify(body, ups.sign(body, secret, now), secret, new Date('2030-01-01T00:00:00Z'))).toBe(true);
  });

  it.each([hex, `sha1=${hex}`, `SHA256=${hex}`, `sha256=${hex.slice(0, 40)}`, `sha256=${hex.slice(0, -1)}g`, `sha256=${Buffer.from(hex, 'hex').toString('base64')}`])(
    'rejects %s',
    (value) => {
      expect(ups.verify(body, { 'x-ups-signature': value }, secret, now)).toBe(false);
    },
  );
});
