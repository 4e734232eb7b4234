import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedPayloadError, type RawScan } from './carrier.js';
import { dhl } from './dhl.js';

/**
 * The DHL Express rows of the standards' "Carrier status normalisation" table. The standards give
 * NH, RT, RD as "failure / return_to_sender": not home and refused are failed attempts, RT returns.
 */
const documented = [
  ['PU', 'in_transit'],
  ['AF', 'in_transit'],
  ['DF', 'in_transit'],
  ['AR', 'in_transit'],
  ['WC', 'out_for_delivery'],
  ['OK', 'delivered'],
  ['OH', 'on_hold'],
  ['HP', 'on_hold'],
  ['NH', 'delivery_failed'],
  ['RT', 'return_to_sender'],
  ['RD', 'delivery_failed'],
] as const;

describe('DHL status table', () => {
  it('lists exactly the documented event codes', () => {
    expect(dhl.table).toEqual(Object.fromEntries(documented));
  });

  it.each(documented)('normalizes %s to %s', (code, status) => {
    expect(dhl.normalize(code)).toBe(status);
    expect(dhl.normalize(` ${code.toLowerCase()}\n`)).toBe(status);
  });

  it.each(['DL', 'D', 'OD', 'CA', 'W C', '', 'ok!'])('reads %j as unknown', (code) => {
    expect(dhl.normalize(code)).toBe('unknown');
  });

  it('walks PU, AF, DF, WC, OK', () => {
    expect(dhl.journey).toEqual(['PU', 'AF', 'DF', 'WC', 'OK']);
  });
});

const payload = {
  shipments: [
    {
      id: '1234567890',
      events: [
        { id: 'e1', typeCode: 'PU', description: 'Shipment picked up', timestamp: '2025-03-01T09:15:42', location: { address: { addressLocality: 'LEIPZIG - GERMANY' } } },
        { id: 'e2', typeCode: 'OK', description: 'Delivered', timestamp: '2025-03-03T16:02:10' },
      ],
    },
    { id: '9876543210', events: [{ id: 'e3', typeCode: 'NH', description: 'Not home', timestamp: '2025-03-02T10:00:00', location: { address: { addressLocality: 'Bonn' } } }] },
  ],
};

const scans: RawScan[] = [
  { scanId: 'e1', trackingNumber: '1234567890', rawCode: 'PU', rawMessage: 'Shipment picked up', occurredAt: new Date('2025-03-01T09:15:42Z'), location: 'LEIPZIG - GERMANY' },
  { scanId: 'e2', trackingNumber: '1234567890', rawCode: 'OK', rawMessage: 'Delivered', occurredAt: new Date('2025-03-03T16:02:10Z'), location: null },
  { scanId: 'e3', trackingNumber: '9876543210', rawCode: 'NH', rawMessage: 'Not home', occurredAt: new Date('2025-03-02T10:00:00Z'), location: 'Bonn' },
];

function withEvent(patch: Record<string, unknown>): unknown {
  return { shipments: [{ ...payload.shipments[0], events: [{ ...payload.shipments[0]!.events[0], ...patch }] }] };
}

describe('DHL webhook format', () => {
  it('reads several shipments, timestamps without an offset as UTC', () => {
    expect(dhl.parse(JSON.stringify(payload))).toEqual(scans);
  });

  it('writes the payload it reads, key for key', () => {
    expect(dhl.render(scans)).toBe(JSON.stringify(payload));
  });

  it('honours an offset when a timestamp has one', () => {
    const at = (timestamp: string) => dhl.parse(JSON.stringify(withEvent({ timestamp })))[0]?.occurredAt;
    expect(at('2025-03-01T10:15:42+01:00')).toEqual(new Date('2025-03-01T09:15:42Z'));
    expect(at('2025-03-01T09:15:42Z')).toEqual(new Date('2025-03-01T09:15:42Z'));
  });

  it('reads a location without an address or a locality as none', () => {
    const at = (location: unknown) => dhl.parse(JSON.stringify(withEvent({ location })))[0]?.location;
    expect(at({})).toBeNull();
    expect(at({ address: {} })).toBeNull();
    expect(at({ address: { addressLocality: '' } })).toBeNull();
    expect(at({ address: { addressLocality: 'Bonn', countryCode: 'DE' } })).toBe('Bonn');
  });

  it('renders no scans as no shipments, and keeps the order of interleaved shipments', () => {
    expect(dhl.parse(dhl.render([]))).toEqual([]);
    const interleaved = [scans[0]!, scans[2]!, scans[1]!];
    expect(dhl.parse(dhl.render(interleaved))).toEqual(interleaved);
  });

  it('round-trips scans of any mix of shipments', () => {
    const scan = fc.record({
      scanId: fc.string({ minLength: 1 }),
      trackingNumber: fc.constantFrom('A1', 'B2', 'C3'),
      rawCode: fc.constantFrom(...Object.keys(dhl.table)),
      rawMessage: fc.string(),
      occurredAt: fc.integer({ min: 0, max: 4_102_444_800 }).map((s) => new Date(s * 1000)),
      location: fc.option(fc.string({ minLength: 1 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(scan, { maxLength: 8 }), (sent) => {
        expect(dhl.parse(dhl.render(sent))).toEqual(sent);
      }),
    );
  });

  it.each<[string, unknown]>([
    ['no shipments', {}],
    ['shipments as an object', { shipments: payload.shipments[0] }],
    ['a shipment without an id', { shipments: [{ events: [] }] }],
    ['a shipment with an empty id', { shipments: [{ id: '', events: [] }] }],
    ['a numeric shipment id', { shipments: [{ id: 1234567890, events: [] }] }],
    ['a shipment without events', { shipments: [{ id: '1234567890' }] }],
    ['an event that is a string', { shipments: [{ id: '1', events: ['PU'] }] }],
    ['no event id', withEvent({ id: undefined })],
    ['no type code', withEvent({ typeCode: undefined })],
    ['a null type code', withEvent({ typeCode: null })],
    ['no description', withEvent({ description: undefined })],
    ['no timestamp', withEvent({ timestamp: undefined })],
    ['a numeric timestamp', withEvent({ timestamp: 1740820542 })],
    ['a date only', withEvent({ timestamp: '2025-03-01' })],
    ['a space for the T', withEvent({ timestamp: '2025-03-01 09:15:42' })],
    ['30 February', withEvent({ timestamp: '2025-02-30T09:15:42' })],
    ['minute 60', withEvent({ timestamp: '2025-03-01T09:60:00' })],
    ['a location that is a string', withEvent({ location: 'Bonn' })],
    ['an address that is a string', withEvent({ location: { address: 'Bonn' } })],
    ['a numeric locality', withEvent({ location: { address: { addressLocality: 53113 } } })],
  ])('rejects a payload with %s', (_, body) => {
    expect(() => dhl.parse(JSON.stringify(body))).toThrow(MalformedPayloadError);
  });
});

describe('DHL signature', () => {
  const secret = 'dhl_secret';
  const now = new Date('2025-03-01T12:00:00.700Z');
  const t = 1740830400; // now, in whole seconds
  const body = dhl.render(scans);
  const v1 = (ts: number | string, b = body) => createHmac('sha256', secret).update(`${ts}.${b}`).digest('hex');
  const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

  it('is dhl-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    expect(dhl.sign(body, secret, now)).toEqual({ 'dhl-signature': `t=${t},v1=${v1(t)}` });
  });

  it('accepts a signature up to 300 s old or 300 s ahead of our clock, and no further', () => {
    const headers = dhl.sign(body, secret, now);
    expect(dhl.verify(body, headers, secret, at(300))).toBe(true);
    expect(dhl.verify(body, headers, secret, at(-300))).toBe(true);
    expect(dhl.verify(body, headers, secret, at(301))).toBe(false);
    expect(dhl.verify(body, headers, secret, at(-301))).toBe(false);
    expect(dhl.verify(body, headers, secret, new Date(Number.NaN))).toBe(false);
  });

  it('rejects a timestamp changed without re-signing: t is signed', () => {
    expect(dhl.verify(body, { 'dhl-signature': `t=${t + 1},v1=${v1(t)}` }, secret, now)).toBe(false);
  });

  it('accepts any matching v1 (secret rotation) and ignores unknown keys', () => {
    const value = `t=${t},v1=${'0'.repeat(64)},v0=legacy,v1=${v1(t)}`;
    expect(dhl.verify(body, { 'dhl-signature': value }, secret, now)).toBe(true);
  });

  it.each([
    ['no t', `v1=${v1(t)}`],
    ['no v1', `t=${t}`],
    ['two t', `t=${t},t=${t},v1=${v1(t)}`],
    ['t with a leading zero', `t=0${t},v1=${v1(`0${t}`)}`],
    ['t in milliseconds', `t=${t}000,v1=${v1(`${t}000`)}`],
    ['a negative t', `t=-${t},v1=${v1(`-${t}`)}`],
    ['spaces after commas', `t=${t}, v1=${v1(t)}`],
    ['a part without "="', `t=${t},v1=${v1(t)},junk`],
    ['semicolons', `t=${t};v1=${v1(t)}`],
    ['v1 in base64', `t=${t},v1=${Buffer.from(v1(t), 'hex').toString('base64')}`],
    ['v1 of the body alone', `t=${t},v1=${createHmac('sha256', secret).update(body).digest('hex')}`],
  ])('rejects a header with %s', (_, value) => {
    expect(dhl.verify(body, { 'dhl-signature': value }, secret, now)).toBe(false);
  });
});
