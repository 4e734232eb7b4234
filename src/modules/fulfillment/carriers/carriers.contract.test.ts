import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CANONICAL_STATUSES, CARRIERS, MalformedPayloadError, type CarrierAdapter, type RawScan } from './carrier.js';
import { adapterFor, carrierAdapters } from './index.js';

// What every adapter promises, whatever its carrier: checked the same way for all four.

const adapters = Object.values(carrierAdapters);
const now = new Date('2025-03-01T12:00:00.000Z');
const secret = 'whsec_carrier_test_secret';

const nonEmpty = fc.string({ unit: 'binary', minLength: 1, maxLength: 24 });
/** Locations as carriers write them ("Memphis, TN, US"), odd ones (", , X") and arbitrary text. */
const location = fc.oneof(
  nonEmpty,
  fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 4 }).map((parts) => parts.join(', ')),
).filter((l) => l !== '');
/** Any instant in years 0001–9999, to the whole second (every format carries seconds, none carries less). */
const instant = fc
  .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => new Date(Math.floor(d.getTime() / 1000) * 1000));

function scans(trackingNumber: string): fc.Arbitrary<RawScan[]> {
  const scan = fc.record({
    scanId: nonEmpty,
    trackingNumber: fc.constant(trackingNumber),
    rawCode: nonEmpty,
    rawMessage: fc.string({ unit: 'binary', maxLength: 40 }),
    occurredAt: instant,
    location: fc.option(location, { nil: null }),
  });
  return fc.array(scan, { minLength: 1, maxLength: 6 });
}
const shipmentScans = nonEmpty.chain(scans);

function sampleScan(overrides: Partial<RawScan> = {}): RawScan {
  return {
    scanId: 'scan_1',
    trackingNumber: 'TRK123',
    rawCode: 'XX',
    rawMessage: 'Arrived at facility',
    occurredAt: new Date('2025-03-01T09:15:42.000Z'),
    location: 'Memphis, US',
    ...overrides,
  };
}

/** 'parsed' or 'malformed'; any other error (a TypeError) fails the test. */
function parseOutcome(adapter: CarrierAdapter, body: string): 'parsed' | 'malformed' {
  try {
    adapter.parse(body);
    return 'parsed';
  } catch (e) {
    if (e instanceof MalformedPayloadError) return 'malformed';
    throw e;
  }
}

/** Every path to a value inside a JSON value (object keys and array indexes). */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, v]) => [[...prefix, key], ...pathsOf(v, [...prefix, key])]);
}

/** A copy of `root` with the value at `path` replaced (or removed when `replacement` is undefined). */
function replaced(root: unknown, path: (string | number)[], replacement: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (replacement === undefined) delete parent[last];
  else parent[last] = replacement;
  return copy;
}

describe('carrier registry', () => {
  it('has one adapter per carrier code, filed under its own code', () => {
    expect(Object.keys(carrierAdapters).sort()).toEqual([...CARRIERS].sort());
    for (const code of CARRIERS) expect(carrierAdapters[code].code).toBe(code);
    expect(new Set(adapters.map((a) => a.name)).size).toBe(adapters.length);
  });

  it('finds each carrier by its exact code, and nothing else', () => {
    for (const code of CARRIERS) expect(adapterFor(code)).toBe(carrierAdapters[code]);
    for (const code of ['UPS', 'Fedex', ' dhl', 'usps ', '', 'royal_mail', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(adapterFor(code)).toBeUndefined();
    }
  });
});

describe.each(adapters)('$name adapter', (adapter) => {
  const others = adapters.filter((a) => a !== adapter);

  describe('normalize', () => {
    it('maps codes only onto canonical statuses, and never onto unknown', () => {
      for (const status of Object.values(adapter.table)) {
        expect(CANONICAL_STATUSES).toContain(status);
        expect(status).not.toBe('unknown');
      }
    });

    it('reads every code whatever its case and surrounding whitespace', () => {
      for (const [code, status] of Object.entries(adapter.table)) {
        expect(adapter.normalize(code)).toBe(status);
        expect(adapter.normalize(code.toLowerCase())).toBe(status);
        expect(adapter.normalize(` ${code.toLowerCase()}\t\n`)).toBe(status);
      }
    });

    it.each(['', '   ', 'ZZ', 'unknown', 'delivered', 'DELIVERED', 'toString', 'constructor', '__proto__', 'hasOwnProperty', 'O F', 'D-1', '999'])(
      'reads %j as unknown, without throwing',
      (code) => {
        expect(adapter.normalize(code)).toBe('unknown');
      },
    );

    it('reads any string not in the table as unknown', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), (code) => {
          const known = Object.hasOwn(adapter.table, code.trim().toUpperCase());
          expect(adapter.normalize(code) === 'unknown').toBe(!known);
        }),
      );
    });
  });

  it('has an ordinary journey of its own codes that only moves forward and ends delivered', () => {
    const progress = ['pre_transit', 'in_transit', 'out_for_delivery', 'delivered'];
    const ranks = adapter.journey.map((code) => progress.indexOf(adapter.normalize(code)));
    expect(ranks.every((r) => r >= 0)).toBe(true);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(adapter.normalize(adapter.journey.at(-1)!)).toBe('delivered');
    expect(adapter.normalize(adapter.journey[0]!)).not.toBe('delivered');
  });

  describe('render and parse', () => {
    it('round-trip any scans exactly, to the second', () => {
      fc.assert(
        fc.property(shipmentScans, (sent) => {
          expect(adapter.parse(adapter.render(sent))).toEqual(sent);
        }),
        { numRuns: 300 },
      );
    });

    it('round-trip the ordinary journey', () => {
      const sent = adapter.journey.map((rawCode, i) => sampleScan({ scanId: `s${i}`, rawCode, occurredAt: new Date(now.getTime() + i * 3_600_000) }));
      const parsed = adapter.parse(adapter.render(sent));
      expect(parsed).toEqual(sent);
      expect(parsed.map((s) => adapter.normalize(s.rawCode)).at(-1)).toBe('delivered');
    });

    it('drop milliseconds, which no carrier format carries', () => {
      const [parsed] = adapter.parse(adapter.render([sampleScan({ occurredAt: new Date('2025-03-01T09:15:42.999Z') })]));
      expect(parsed?.occurredAt).toEqual(new Date('2025-03-01T09:15:42.000Z'));
    });

    it('keep a scan without a location as null', () => {
      expect(adapter.parse(adapter.render([sampleScan({ location: null })]))[0]?.location).toBeNull();
    });

    it.each(['', '{', 'null', '[]', '42', '"text"', 'true', '{"a":1}', '<xml/>'])('reject %j as malformed', (body) => {
      expect(() => adapter.parse(body)).toThrow(MalformedPayloadError);
    });

    it('reject another carrier’s payload as malformed', () => {
      for (const other of others) {
        expect(() => adapter.parse(other.render([sampleScan()]))).toThrow(MalformedPayloadError);
      }
    });

    it('answer any JSON with scans or MalformedPayloadError, never another error', () => {
      fc.assert(fc.property(fc.jsonValue(), (value) => void parseOutcome(adapter, JSON.stringify(value))));
    });

    it('answer any damaged payload (a field removed or of another type) with scans or MalformedPayloadError', () => {
      const valid: unknown = JSON.parse(adapter.render([sampleScan(), sampleScan({ scanId: 'scan_2', location: 'Memphis, TN, US' })]));
      const paths = pathsOf(valid);
      const replacement = fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 }));
      fc.assert(
        fc.property(fc.nat({ max: paths.length - 1 }), replacement, (i, value) => {
          void parseOutcome(adapter, JSON.stringify(replaced(valid, paths[i]!, value)));
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('signatures', () => {
    const body = adapter.render([sampleScan()]);
    const headers = adapter.sign(body, secret, now);

    it('verify what they sign, with lower-case header names', () => {
      expect(Object.keys(headers).every((name) => name === name.toLowerCase())).toBe(true);
      expect(adapter.verify(body, headers, secret, now)).toBe(true);
    });

    it('read header names in any case, and a header given as a one-value list', () => {
      const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
      expect(adapter.verify(body, upper, secret, now)).toBe(true);
      const listed = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
      expect(adapter.verify(body, listed, secret, now)).toBe(true);
    });

    it('reject a tampered body, a wrong secret and an empty secret', () => {
      expect(adapter.verify(`${body} `, headers, secret, now)).toBe(false);
      expect(adapter.verify(body.replace('TRK123', 'TRK124'), headers, secret, now)).toBe(false);
      expect(adapter.verify(body, headers, `${secret}x`, now)).toBe(false);
      expect(adapter.verify(body, adapter.sign(body, '', now), '', now)).toBe(false);
    });

    it('reject missing headers, each header missing, and each header repeated', () => {
      expect(adapter.verify(body, {}, secret, now)).toBe(false);
      for (const name of Object.keys(headers)) {
        expect(adapter.verify(body, { ...headers, [name]: undefined }, secret, now)).toBe(false);
        expect(adapter.verify(body, { ...headers, [name]: [headers[name]!, headers[name]!] }, secret, now)).toBe(false);
        expect(adapter.verify(body, { ...headers, [name.toUpperCase()]: headers[name] }, secret, now)).toBe(false);
      }
    });

    it('reject garbled header values', () => {
      for (const [name, value] of Object.entries(headers)) {
        const otherCase = [value.toUpperCase(), value.toLowerCase()].filter((v) => v !== value);
        for (const garbled of ['', value.slice(0, -1), `${value}0`, ` ${value}`, `${value},`, ...otherCase]) {
          expect(adapter.verify(body, { ...headers, [name]: garbled }, secret, now)).toBe(false);
        }
      }
    });

    it('reject every other carrier’s signature', () => {
      for (const other of others) expect(adapter.verify(body, other.sign(body, secret, now), secret, now)).toBe(false);
    });

    it('never throw, whatever the headers', () => {
      const names = fc.oneof(fc.constantFrom(...Object.keys(headers)), fc.string());
      const values = fc.oneof(fc.string(), fc.array(fc.string()), fc.constant(undefined), fc.constantFrom(...Object.values(headers)));
      fc.assert(
        fc.property(fc.dictionary(names, values), (random) => {
          expect(typeof adapter.verify(body, random, secret, now)).toBe('boolean');
        }),
      );
    });
  });
});
