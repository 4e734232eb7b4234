import { CARRIERS, type CarrierAdapter, type CarrierCode } from './carrier.js';
import { dhl } from './dhl.js';
import { fedex } from './fedex.js';
import { ups } from './ups.js';
import { usps } from './usps.js';

/** Every emulated carrier's adapter, by carrier code. */
export const carrierAdapters: Readonly<Record<CarrierCode, CarrierAdapter>> = Object.freeze({ ups, fedex, dhl, usps });

function isCarrierCode(code: string): code is CarrierCode {
  return (CARRIERS as readonly string[]).includes(code);
}

/**
 * The adapter of a carrier code as it arrives in a URL or a request (`ups`, `fedex`, `dhl`,
 * `usps`; exact, lower case); undefined for anything else.
 * @example adapterFor('dhl')?.normalize('OK'); // 'delivered'
 */
export function adapterFor(code: string): CarrierAdapter | undefined {
  return isCarrierCode(code) ? carrierAdapters[code] : undefined;
}
