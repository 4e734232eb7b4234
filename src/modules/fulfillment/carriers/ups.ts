import type { CanonicalStatus, CarrierAdapter, RawScan } from './carrier.js';
import { digestFromHex, hmacSha256, headerValue, isHmacOf } from './hmac.js';
import { PayloadReader, joinLocation, singleTrackingNumber, splitLocation, statusOf, utcInstant, utcSeconds } from './raw.js';

/**
 * UPS activity types → canonical statuses, as the standards list them ("Carrier status
 * normalisation", ../shared/reference/standards.md). UPS also sends `U` (update) for some in-flight
 * changes; it is left out on purpose, so it reads as `unknown` and never moves a shipment, until
 * the standards list it.
 */
const table: Readonly<Record<string, CanonicalStatus>> = Object.freeze({
  M: 'pre_transit', // manifest: label created, not yet scanned
  MV: 'cancelled', // manifest voided
  P: 'in_transit', // pickup
  I: 'in_transit',
  O: 'out_for_delivery',
  D: 'delivered',
  X: 'delivery_failed', // exception; the standards' "failure/exception" — Tessera has no separate exception status
  RS: 'return_to_sender', // returned to shipper
});

const SIGNATURE_HEADER = 'x-ups-signature';
const SIGNATURE_PREFIX = 'sha256=';

/**
 * The UPS webhook body: one shipment, its activities. `date` is `YYYYMMDD` and `time` `HHMMSS`,
 * with no offset: UTC. `location` is left out when the scan has none.
 */
interface UpsWebhook {
  trackingNumber: string;
  activity: {
    activityId: string;
    type: string;
    description: string;
    date: string;
    time: string;
    location?: { city: string; country?: string };
  }[];
}

function render(scans: readonly RawScan[]): string {
  const body: UpsWebhook = {
    trackingNumber: singleTrackingNumber(scans, 'UPS'),
    activity: scans.map((s) => {
      const at = utcSeconds(s.occurredAt);
      const [city = '', country] = s.location === null ? [] : splitLocation(s.location, 2);
      return {
        activityId: s.scanId,
        type: s.rawCode,
        description: s.rawMessage,
        date: at.slice(0, 10).replaceAll('-', ''),
        time: at.slice(11).replaceAll(':', ''),
        ...(s.location === null ? {} : { location: country === undefined ? { city } : { city, country } }),
      };
    }),
  };
  return JSON.stringify(body);
}

/** `YYYYMMDD` + `HHMMSS`, read as UTC. */
function parseDateTime(date: string, time: string): Date | undefined {
  if (!/^\d{8}$/.test(date) || !/^\d{6}$/.test(time)) return undefined;
  const n = (text: string, from: number, to: number) => Number(text.slice(from, to));
  return utcInstant(n(date, 0, 4), n(date, 4, 6), n(date, 6, 8), n(time, 0, 2), n(time, 2, 4), n(time, 4, 6));
}

function parse(rawBody: string): RawScan[] {
  const body = PayloadReader.parse(rawBody, 'UPS');
  const trackingNumber = body.string('trackingNumber');
  return body.objects('activity').map((a) => {
    const occurredAt = parseDateTime(a.string('date'), a.string('time')) ?? a.fail('date', 'and time must be a valid YYYYMMDD and HHMMSS');
    const location = a.optionalObject('location');
    return {
      scanId: a.string('activityId'),
      trackingNumber,
      rawCode: a.string('type'),
      rawMessage: a.string('description', true),
      occurredAt,
      location: location ? joinLocation([location.optionalString('city'), location.optionalString('country')]) : null,
    };
  });
}

/** UPS: `x-ups-signature: sha256=<hex HMAC-SHA256 of the body>`; no timestamp. */
export const ups: CarrierAdapter = {
  code: 'ups',
  name: 'UPS',
  table,
  normalize: (rawCode) => statusOf(table, rawCode),
  sign: (rawBody, secret) => ({ [SIGNATURE_HEADER]: `${SIGNATURE_PREFIX}${hmacSha256(secret, rawBody).toString('hex')}` }),
  verify(rawBody, headers, secret) {
    const value = headerValue(headers, SIGNATURE_HEADER);
    if (value === undefined || !value.startsWith(SIGNATURE_PREFIX)) return false;
    return isHmacOf(digestFromHex(value.slice(SIGNATURE_PREFIX.length)), secret, rawBody);
  },
  parse,
  render,
  journey: ['M', 'P', 'I', 'O', 'D'],
};
