/**
 * What every carrier adapter provides: its raw webhook format, its own signature scheme, and the
 * table that maps its raw event codes onto Tessera's canonical tracking statuses.
 */

/** Tessera's canonical tracking statuses, the same for every carrier. */
export const CANONICAL_STATUSES = [
  'pre_transit',
  'in_transit',
  'out_for_delivery',
  'available_for_pickup',
  'delivered',
  'delivery_failed',
  'on_hold',
  'return_to_sender',
  'cancelled',
  'unknown',
] as const;
export type CanonicalStatus = (typeof CANONICAL_STATUSES)[number];

export const CARRIERS = ['ups', 'fedex', 'dhl', 'usps'] as const;
export type CarrierCode = (typeof CARRIERS)[number];

/** One tracking scan, as the carrier reported it (before normalisation). */
export interface RawScan {
  /** The carrier's own id of this scan: intake is idempotent on (carrier, scan id). */
  scanId: string;
  trackingNumber: string;
  /** The carrier's raw event code (UPS activity type, FedEx event code, DHL event code, USPS event code). */
  rawCode: string;
  rawMessage: string;
  /** When the scan happened (carrier time), not when it reached us. */
  occurredAt: Date;
  location: string | null;
}

export interface CarrierAdapter {
  code: CarrierCode;
  /** Display name, e.g. "UPS". */
  name: string;
  /** The raw code → canonical status table. Every code the carrier documents is listed. */
  table: Readonly<Record<string, CanonicalStatus>>;
  /** Canonical status of a raw code; an unknown code is `unknown`, never an error. */
  normalize(rawCode: string): CanonicalStatus;
  /**
   * Signs a raw webhook body as this carrier does (its own header names and scheme); returns the
   * headers to send. Used by the carrier emulator.
   */
  sign(rawBody: string, secret: string, now: Date): Record<string, string>;
  /** Whether the headers carry a valid signature of `rawBody` (constant-time compare; timestamp tolerance where the scheme has one). */
  verify(rawBody: string, headers: Readonly<Record<string, string | string[] | undefined>>, secret: string, now: Date): boolean;
  /** Parses a raw webhook body into scans; throws MalformedPayloadError on a body it cannot read. */
  parse(rawBody: string): RawScan[];
  /** Renders scans in this carrier's raw webhook format (the emulator's side of `parse`). */
  render(scans: readonly RawScan[]): string;
  /** Raw codes of an ordinary journey, label to delivery, in order (the emulator's "advance"). */
  journey: readonly string[];
}

export class MalformedPayloadError extends Error {}
