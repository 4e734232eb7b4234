import { MalformedPayloadError, type CanonicalStatus, type RawScan } from './carrier.js';

/**
 * What the adapters share to read and write carriers' raw payloads: a typed JSON reader that
 * throws `MalformedPayloadError` (never a TypeError), strict timestamps, locations, status lookup.
 */

type JsonObject = { readonly [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads one JSON object of a payload; every error names the path of the field at fault. */
export class PayloadReader {
  private constructor(
    private readonly value: JsonObject,
    readonly path: string,
  ) {}

  /** The body as a JSON object; `MalformedPayloadError` if it is not JSON or not an object. */
  static parse(rawBody: string, carrier: string): PayloadReader {
    let value: unknown;
    try {
      value = JSON.parse(rawBody);
    } catch {
      throw new MalformedPayloadError(`${carrier} webhook body is not JSON`);
    }
    if (!isObject(value)) throw new MalformedPayloadError(`${carrier} webhook body is not a JSON object`);
    return new PayloadReader(value, '');
  }

  fail(key: string, problem: string): never {
    throw new MalformedPayloadError(`${this.at(key)} ${problem}`);
  }

  /** A required string; non-empty unless `allowEmpty`. */
  string(key: string, allowEmpty = false): string {
    const v = this.value[key];
    if (typeof v !== 'string') this.fail(key, 'must be a string');
    if (!allowEmpty && v === '') this.fail(key, 'must not be empty');
    return v;
  }

  /** An optional string: absent and null are undefined. */
  optionalString(key: string): string | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(key, 'must be a string');
    return v;
  }

  /** An optional object: absent and null are undefined. */
  optionalObject(key: string): PayloadReader | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) this.fail(key, 'must be an object');
    return new PayloadReader(v, this.at(key));
  }

  /** A required array of objects. */
  objects(key: string): PayloadReader[] {
    const v = this.value[key];
    if (!Array.isArray(v)) this.fail(key, 'must be an array');
    return v.map((item: unknown, i) => {
      const path = `${this.at(key)}[${i}]`;
      if (!isObject(item)) throw new MalformedPayloadError(`${path} must be an object`);
      return new PayloadReader(item, path);
    });
  }

  private at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }
}

/** Canonical status of a raw code: codes are case-insensitive, so trimmed and upper-cased first. */
export function statusOf(table: Readonly<Record<string, CanonicalStatus>>, rawCode: string): CanonicalStatus {
  if (typeof rawCode !== 'string') return 'unknown';
  const code = rawCode.trim().toUpperCase();
  // Own codes only: the table is a plain object, and nothing inherited may read as a status.
  return Object.hasOwn(table, code) ? (table[code] ?? 'unknown') : 'unknown';
}

/**
 * The one tracking number of scans rendered as a single-shipment payload (UPS, FedEx, USPS send
 * one shipment per webhook). Throws a RangeError for no scans or several shipments: a caller bug.
 */
export function singleTrackingNumber(scans: readonly RawScan[], carrier: string): string {
  const first = scans[0]?.trackingNumber;
  if (first === undefined) throw new RangeError(`a ${carrier} webhook carries at least one scan`);
  if (scans.some((s) => s.trackingNumber !== first)) throw new RangeError(`a ${carrier} webhook carries one shipment's scans`);
  return first;
}

/** A UTC instant from calendar fields; undefined when one is out of range (Date.UTC would roll 30 Feb into March). */
export function utcInstant(year: number, month: number, day: number, hour: number, minute: number, second: number, ms = 0): Date | undefined {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day); // not Date.UTC, which maps years 0–99 onto 1900–1999
  at.setUTCHours(hour, minute, second, ms);
  return at.getUTCFullYear() === year && at.getUTCMonth() === month - 1 && at.getUTCDate() === day ? at : undefined;
}

/** `YYYY-MM-DDTHH:mm:ss` of an instant in UTC, to the whole second (milliseconds are dropped). */
export function utcSeconds(at: Date): string {
  const iso = at.toISOString(); // RangeError on an invalid date
  if (iso.length !== 24) throw new RangeError(`${iso} is outside years 0000–9999`);
  return iso.slice(0, 19);
}

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * An ISO-8601 date-time (`2025-03-01T09:15:00-06:00`, `…Z`, optional fraction). `offset: 'required'`
 * rejects a local time; with `'optional'` a time without an offset is read as UTC.
 */
export function parseIsoTimestamp(text: string, offset: 'required' | 'optional'): Date | undefined {
  const m = ISO_8601.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  if (zone === undefined && offset === 'required') return undefined;
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  const at = utcInstant(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), ms);
  if (!at) return undefined;
  if (zone === undefined || zone === 'Z') return at;
  const sign = zone.startsWith('-') ? -1 : 1;
  const offsetH = Number(zone.slice(1, 3));
  const offsetM = Number(zone.slice(4, 6));
  if (offsetH > 23 || offsetM > 59) return undefined;
  return new Date(at.getTime() - sign * (offsetH * 60 + offsetM) * 60_000);
}

const LOCATION_SEPARATOR = ', ';

/**
 * Splits a scan's location ("Louisville, US", "Memphis, TN, US") into the fields of a structured
 * location: up to `maxParts` non-empty parts; anything else stays whole, in the first field. With
 * `joinLocation` this round-trips every non-empty location exactly.
 */
export function splitLocation(location: string, maxParts: number): string[] {
  const parts = location.split(LOCATION_SEPARATOR);
  return parts.length <= maxParts && parts.every((p) => p !== '') ? parts : [location];
}

/** A scan's location from a structured one's fields: the non-empty ones, comma-separated; null if none. */
export function joinLocation(parts: readonly (string | undefined)[]): string | null {
  const present = parts.filter((p): p is string => p !== undefined && p !== '');
  return present.length === 0 ? null : present.join(LOCATION_SEPARATOR);
}
