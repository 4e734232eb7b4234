import { defineErrors } from '../../platform/http/errors.js';

export const FulfillmentErrors = defineErrors({
  shipmentNotFound: { code: 'shipment_not_found', status: 404, title: 'Shipment not found' },
  trackingNumberTaken: { code: 'tracking_number_taken', status: 409, title: 'Tracking number already used' },
  unknownCarrier: { code: 'unknown_carrier', status: 404, title: 'Unknown carrier' },
  invalidCarrierSignature: { code: 'invalid_carrier_signature', status: 401, title: 'Invalid carrier signature' },
  testModeOnly: { code: 'test_mode_only', status: 403, title: 'Test mode only' },
  unknownSandbox: { code: 'sandbox_not_found', status: 404, title: 'Sandbox not found' },
  emulatorUnreachable: { code: 'carrier_emulator_failed', status: 502, title: 'The emulated carrier could not deliver its webhook' },
});
