import { createHmac, timingSafeEqual } from 'node:crypto';

/** Request headers as Node hands them over: lower-cased names; a list for a repeated header. */
export type IncomingHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** How far a signed timestamp may be from our clock, either way (the carriers' replay window). */
export const TIMESTAMP_TOLERANCE_SECONDS = 300;

/** HMAC-SHA256 of `data` (UTF-8) under `secret`. */
export function hmacSha256(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data, 'utf8').digest();
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;
const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;

/** A hex SHA-256 digest as bytes; undefined when it is not one (`Buffer.from` would silently stop at a bad digit). */
export function digestFromHex(text: string): Buffer | undefined {
  return HEX_SHA256.test(text) ? Buffer.from(text, 'hex') : undefined;
}

/** A base64 SHA-256 digest as bytes; undefined when it is not one (`Buffer.from` skips bad characters). */
export function digestFromBase64(text: string): Buffer | undefined {
  return BASE64_SHA256.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/**
 * Whether `given` is the HMAC-SHA256 of `data` under `secret`, compared in constant time. A missing
 * digest or an empty secret is false: an empty key would let anyone who guesses it sign.
 */
export function isHmacOf(given: Buffer | undefined, secret: string, data: string): boolean {
  if (!given || secret === '') return false;
  const expected = hmacSha256(secret, data);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * One header's value, its name matched case-insensitively. Undefined when it is absent, or sent
 * more than once: with two values there is no telling which one the carrier meant.
 */
export function headerValue(headers: IncomingHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    if (Array.isArray(value)) values.push(...value);
    else values.push(value);
  }
  return values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
}

/**
 * Unix seconds written as plain decimal digits, without leading zeros (so the number prints back
 * as the text that was signed); undefined for anything else ("", "1e9", "-5", " 12", "012").
 */
export function unixSeconds(text: string | undefined): number | undefined {
  return text !== undefined && /^(?:0|[1-9]\d{0,11})$/.test(text) ? Number(text) : undefined;
}

/** `now` in whole unix seconds, as the carriers write it. */
export function toUnixSeconds(now: Date): number {
  return Math.floor(now.getTime() / 1000);
}

/** Whether a signed timestamp is within the tolerance of `now`, in either direction. */
export function isFresh(timestamp: number, now: Date): boolean {
  return Math.abs(toUnixSeconds(now) - timestamp) <= TIMESTAMP_TOLERANCE_SECONDS;
}
