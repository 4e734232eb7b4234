import type { CanonicalStatus, CarrierAdapter, RawScan } from './carrier.js';
import { digestFromBase64, hmacSha256, headerValue, isFresh, isHmacOf, toUnixSeconds, unixSeconds } from './hmac.js';
import { PayloadReader, joinLocation, parseIsoTimestamp, singleTrackingNumber, splitLocation, statusOf, utcSeconds } from './raw.js';

/**
 * USPS Tracking event codes → canonical statuses. The standards do not cover USPS; meanings are
 * USPS's own, from the event code appendix of the USPS Tracking / Product Tracking & Reporting
 * documentation (the "Customer Daily Extract" event code table; Publication 199, IMpb). Codes 21–31
 * are USPS's "return to sender" reasons and 52–56 its "notice left" (attempted) reasons.
 */
const table: Readonly<Record<string, CanonicalStatus>> = Object.freeze({
  MA: 'pre_transit', // manifest acknowledgement: pre-shipment info sent to USPS
  GX: 'pre_transit', // shipping label created
  '03': 'in_transit', // accepted or picked up by USPS
  '80': 'in_transit', // picked up by a shipping partner
  '81': 'in_transit', // arrived at a shipping partner facility
  '10': 'in_transit', // processed at a USPS facility
  L1: 'in_transit', // an in-transit facility scan; its exact USPS wording is not in the appendix cited above
  T1: 'in_transit', // likewise: in transit to the next facility
  '07': 'in_transit', // arrival at the delivery unit: at the destination post office, not yet out
  OF: 'out_for_delivery',
  '01': 'delivered',
  '02': 'delivery_failed', // notice left, no authorised recipient: USPS re-attempts or holds for pickup
  '53': 'delivery_failed', // notice left, receptacle blocked: an attempt, not a hold at the post office
  '54': 'delivery_failed', // notice left, receptacle full / item oversized: likewise an attempt
  '16': 'available_for_pickup',
  '04': 'delivery_failed', // refused by the addressee: the refusal itself; the 09/31 return scan follows
  '09': 'return_to_sender',
  '21': 'return_to_sender', // no such number: USPS returns it, it will not try again
  '22': 'return_to_sender', // insufficient address: likewise
  '29': 'return_to_sender', // return to sender, other reason
  '31': 'return_to_sender', // return to sender, not picked up (unclaimed)
});

const SIGNATURE_HEADER = 'x-usps-signature';
const TIMESTAMP_HEADER = 'x-usps-timestamp';

/**
 * The USPS webhook body: one shipment, its tracking events. `eventType` is USPS's wording of the
 * event ("Delivered, In/At Mailbox"); `eventTimestamp` is ISO-8601 with an offset (we render `Z`).
 * `eventCity` and `eventState` are left out when the scan has no location.
 */
interface UspsWebhook {
  trackingNumber: string;
  trackingEvents: { eventId: string; eventCode: string; eventType: string; eventTimestamp: string; eventCity?: string; eventState?: string }[];
}

function render(scans: readonly RawScan[]): string {
  const body: UspsWebhook = {
    trackingNumber: singleTrackingNumber(scans, 'USPS'),
    trackingEvents: scans.map((s) => {
      const [eventCity, eventState] = s.location === null ? [] : splitLocation(s.location, 2);
      return {
        eventId: s.scanId,
        eventCode: s.rawCode,
        eventType: s.rawMessage,
        eventTimestamp: `${utcSeconds(s.occurredAt)}Z`,
        ...(eventCity === undefined ? {} : { eventCity }),
        ...(eventState === undefined ? {} : { eventState }),
      };
    }),
  };
  return JSON.stringify(body);
}

function parse(rawBody: string): RawScan[] {
  const body = PayloadReader.parse(rawBody, 'USPS');
  const trackingNumber = body.string('trackingNumber');
  return body.objects('trackingEvents').map((e) => {
    const occurredAt = parseIsoTimestamp(e.string('eventTimestamp'), 'required') ?? e.fail('eventTimestamp', 'must be an ISO-8601 date-time with an offset');
    return {
      scanId: e.string('eventId'),
      trackingNumber,
      rawCode: e.string('eventCode'),
      rawMessage: e.string('eventType', true),
      occurredAt,
      location: joinLocation([e.optionalString('eventCity'), e.optionalString('eventState')]),
    };
  });
}

/**
 * USPS: `x-usps-timestamp: <unix seconds>` and `x-usps-signature: <base64 HMAC-SHA256 of
 * "<timestamp>:<body>">`, the timestamp within ±300 s of `now`.
 */
export const usps: CarrierAdapter = {
  code: 'usps',
  name: 'USPS',
  table,
  normalize: (rawCode) => statusOf(table, rawCode),
  sign(rawBody, secret, now) {
    const ts = toUnixSeconds(now);
    return { [TIMESTAMP_HEADER]: String(ts), [SIGNATURE_HEADER]: hmacSha256(secret, `${ts}:${rawBody}`).toString('base64') };
  },
  verify(rawBody, headers, secret, now) {
    const ts = unixSeconds(headerValue(headers, TIMESTAMP_HEADER));
    const signature = headerValue(headers, SIGNATURE_HEADER);
    if (ts === undefined || signature === undefined || !isFresh(ts, now)) return false;
    return isHmacOf(digestFromBase64(signature), secret, `${ts}:${rawBody}`);
  },
  parse,
  render,
  journey: ['MA', '03', '10', 'OF', '01'],
};
