import { defineErrors } from '../../platform/http/errors.js';

/** The payments module's error catalog. */
export const PaymentErrors = defineErrors({
  paymentNotFound: { code: 'payment_not_found', status: 404, title: 'Payment not found' },
  refundNotFound: { code: 'refund_not_found', status: 404, title: 'Refund not found' },
  reconciliationRunNotFound: { code: 'reconciliation_run_not_found', status: 404, title: 'Reconciliation run not found' },
  invalidState: { code: 'payment_invalid_state', status: 409, title: 'Payment is not in a state that allows this' },
  captureExceedsAuthorized: { code: 'capture_exceeds_authorized', status: 422, title: 'Capture exceeds the authorized amount' },
  // Same spec as the orders module's (one catalog): refunds are requested through orders.
  refundExceedsCaptured: { code: 'refund_exceeds_captured', status: 422, title: 'Refund exceeds what was captured' },
  orderAlreadyAttached: { code: 'payment_order_conflict', status: 409, title: 'Payment belongs to another order' },
  noProcessor: { code: 'payment_processor_not_configured', status: 503, title: 'No payment processor configured', logLevel: 'error' },
  processorUnavailable: { code: 'processor_unavailable', status: 503, title: 'Payment processor unavailable', logLevel: 'warn' },
  processorUnconfirmed: { code: 'processor_unconfirmed', status: 502, title: 'Payment processor did not confirm; retry', logLevel: 'warn' },
  processorRejected: { code: 'processor_rejected', status: 502, title: 'Payment processor refused the request', logLevel: 'error' },
});
