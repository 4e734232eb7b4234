import type { CanonicalStatus, CarrierAdapter, RawScan } from './carrier.js';
import { digestFromBase64, hmacSha256, headerValue, isHmacOf } from './hmac.js';
import { PayloadReader, joinLocation, parseIsoTimestamp, singleTrackingNumber, splitLocation, statusOf, utcSeconds } from './raw.js';

/**
 * FedEx scan event types → canonical statuses, as the standards list them ("Carrier status
 * normalisation", ../shared/reference/standards.md).
 */
const table: Readonly<Record<string, CanonicalStatus>> = Object.freeze({
  OC: 'pre_transit', // order created: label printed, not yet tendered
  PU: 'in_transit', // picked up
  AR: 'in_transit', // arrived at a FedEx location
  DP: 'in_transit', // departed a FedEx location
  IT: 'in_transit',
  AF: 'in_transit', // at a FedEx facility
  OD: 'out_for_delivery',
  DL: 'delivered',
  DE: 'delivery_failed', // delivery exception; the standards' "failure"
  SE: 'on_hold', // shipment exception: held, not yet failed, so on_hold as the standards say
  CD: 'on_hold', // clearance delay (customs)
  HA: 'on_hold', // a hold; the standards group it with SE and CD
  CA: 'cancelled',
});

const SIGNATURE_HEADER = 'x-fedex-signature';

/**
 * The FedEx webhook body: one shipment, its scan events. `date` is ISO-8601 with an offset
 * (FedEx writes the scan's local offset, `2025-03-01T09:15:00-06:00`; we render `+00:00`).
 * `scanLocation` is left out when the scan has none.
 */
interface FedexWebhook {
  trackingNumber: string;
  scanEvents: {
    eventId: string;
    eventType: string;
    eventDescription: string;
    date: string;
    scanLocation?: { city: string; stateOrProvinceCode?: string; countryCode?: string };
  }[];
}

/** "Memphis, TN, US" → city, state, country; "Paris, FR" → city, country; else all of it in city. */
function scanLocation(location: string): NonNullable<FedexWebhook['scanEvents'][number]['scanLocation']> {
  const parts = splitLocation(location, 3);
  if (parts.length === 3) return { city: parts[0] ?? '', stateOrProvinceCode: parts[1], countryCode: parts[2] };
  if (parts.length === 2) return { city: parts[0] ?? '', countryCode: parts[1] };
  return { city: location };
}

function render(scans: readonly RawScan[]): string {
  const body: FedexWebhook = {
    trackingNumber: singleTrackingNumber(scans, 'FedEx'),
    scanEvents: scans.map((s) => ({
      eventId: s.scanId,
      eventType: s.rawCode,
      eventDescription: s.rawMessage,
      date: `${utcSeconds(s.occurredAt)}+00:00`,
      ...(s.location === null ? {} : { scanLocation: scanLocation(s.location) }),
    })),
  };
  return JSON.stringify(body);
}

function parse(rawBody: string): RawScan[] {
  const body = PayloadReader.parse(rawBody, 'FedEx');
  const trackingNumber = body.string('trackingNumber');
  return body.objects('scanEvents').map((e) => {
    const occurredAt = parseIsoTimestamp(e.string('date'), 'required') ?? e.fail('date', 'must be an ISO-8601 date-time with an offset');
    const where = e.optionalObject('scanLocation');
    return {
      scanId: e.string('eventId'),
      trackingNumber,
      rawCode: e.string('eventType'),
      rawMessage: e.string('eventDescription', true),
      occurredAt,
      location: where
        ? joinLocation([where.optionalString('city'), where.optionalString('stateOrProvinceCode'), where.optionalString('countryCode')])
        : null,
    };
  });
}

/** FedEx: `x-fedex-signature: <base64 HMAC-SHA256 of the body>`; no timestamp. */
export const fedex: CarrierAdapter = {
  code: 'fedex',
  name: 'FedEx',
  table,
  normalize: (rawCode) => statusOf(table, rawCode),
  sign: (rawBody, secret) => ({ [SIGNATURE_HEADER]: hmacSha256(secret, rawBody).toString('base64') }),
  verify(rawBody, headers, secret) {
    const value = headerValue(headers, SIGNATURE_HEADER);
    return value !== undefined && isHmacOf(digestFromBase64(value), secret, rawBody);
  },
  parse,
  render,
  journey: ['OC', 'PU', 'AR', 'DP', 'OD', 'DL'],
};
