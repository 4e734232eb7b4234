import type { CanonicalStatus, CarrierAdapter, RawScan } from './carrier.js';
import { digestFromHex, hmacSha256, headerValue, isFresh, isHmacOf, toUnixSeconds, unixSeconds, type IncomingHeaders } from './hmac.js';
import { PayloadReader, joinLocation, parseIsoTimestamp, statusOf, utcSeconds } from './raw.js';

/**
 * DHL Express event type codes → canonical statuses, as the standards list them ("Carrier status
 * normalisation", ../shared/reference/standards.md). The standards leave NH, RT and RD as "failure
 * / return_to_sender"; the choice per code is noted beside it.
 */
const table: Readonly<Record<string, CanonicalStatus>> = Object.freeze({
  PU: 'in_transit', // picked up
  AF: 'in_transit', // arrived at a facility
  DF: 'in_transit', // departed a facility
  AR: 'in_transit', // arrived at the delivery facility
  WC: 'out_for_delivery', // with courier
  OK: 'delivered',
  OH: 'on_hold',
  HP: 'on_hold', // held for payment (duties and taxes): waits, has not failed
  NH: 'delivery_failed', // not home: an attempt failed, DHL tries again
  RT: 'return_to_sender', // returned to shipper
  RD: 'delivery_failed', // refused: the failed attempt itself; an RT scan follows if it goes back
});

const SIGNATURE_HEADER = 'dhl-signature';

/**
 * The DHL webhook body: shipments, each with its events. `timestamp` is ISO-8601 without an
 * offset, read as UTC (an offset, if DHL sends one, is honoured). `location` is left out when the
 * scan has none.
 */
interface DhlWebhook {
  shipments: {
    id: string;
    events: { id: string; typeCode: string; description: string; timestamp: string; location?: { address: { addressLocality: string } } }[];
  }[];
}

/** One shipment entry per run of consecutive scans of one tracking number, so the order of scans survives. */
function render(scans: readonly RawScan[]): string {
  const shipments: DhlWebhook['shipments'] = [];
  for (const s of scans) {
    let shipment = shipments.at(-1);
    if (shipment?.id !== s.trackingNumber) {
      shipment = { id: s.trackingNumber, events: [] };
      shipments.push(shipment);
    }
    shipment.events.push({
      id: s.scanId,
      typeCode: s.rawCode,
      description: s.rawMessage,
      timestamp: utcSeconds(s.occurredAt),
      ...(s.location === null ? {} : { location: { address: { addressLocality: s.location } } }),
    });
  }
  const body: DhlWebhook = { shipments };
  return JSON.stringify(body);
}

function parse(rawBody: string): RawScan[] {
  const body = PayloadReader.parse(rawBody, 'DHL');
  return body.objects('shipments').flatMap((shipment) => {
    const trackingNumber = shipment.string('id');
    return shipment.objects('events').map((e) => {
      const occurredAt = parseIsoTimestamp(e.string('timestamp'), 'optional') ?? e.fail('timestamp', 'must be an ISO-8601 date-time');
      const locality = e.optionalObject('location')?.optionalObject('address')?.optionalString('addressLocality');
      return {
        scanId: e.string('id'),
        trackingNumber,
        rawCode: e.string('typeCode'),
        rawMessage: e.string('description', true),
        occurredAt,
        location: joinLocation([locality]),
      };
    });
  });
}

/**
 * `t=<unix seconds>,v1=<hex>`: exactly one `t`, any number of `v1` (several during a secret
 * rotation), other keys ignored as later scheme versions. Undefined when it cannot be read.
 */
function readSignatureHeader(headers: IncomingHeaders): { timestamp: number; digests: Buffer[] } | undefined {
  const value = headerValue(headers, SIGNATURE_HEADER);
  if (value === undefined) return undefined;
  let timestamp: number | undefined;
  const digests: Buffer[] = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    const key = part.slice(0, eq);
    const text = part.slice(eq + 1);
    if (key === 't') {
      if (timestamp !== undefined) return undefined;
      timestamp = unixSeconds(text);
      if (timestamp === undefined) return undefined;
    } else if (key === 'v1') {
      const digest = digestFromHex(text);
      if (digest) digests.push(digest);
    }
  }
  return timestamp === undefined ? undefined : { timestamp, digests };
}

/** DHL: `dhl-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, ±300 s of `now`. */
export const dhl: CarrierAdapter = {
  code: 'dhl',
  name: 'DHL Express',
  table,
  normalize: (rawCode) => statusOf(table, rawCode),
  sign(rawBody, secret, now) {
    const t = toUnixSeconds(now);
    return { [SIGNATURE_HEADER]: `t=${t},v1=${hmacSha256(secret, `${t}.${rawBody}`).toString('hex')}` };
  },
  verify(rawBody, headers, secret, now) {
    const signature = readSignatureHeader(headers);
    if (!signature || !isFresh(signature.timestamp, now)) return false;
    return signature.digests.some((d) => isHmacOf(d, secret, `${signature.timestamp}.${rawBody}`));
  },
  parse,
  render,
  journey: ['PU', 'AF', 'DF', 'WC', 'OK'],
};
