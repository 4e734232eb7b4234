import { defineErrors } from '../../platform/http/errors.js';

export const OrderErrors = defineErrors({
  orderNotFound: { code: 'order_not_found', status: 404, title: 'Order not found' },
  illegalTransition: { code: 'order_illegal_transition', status: 409, title: 'Order cannot move to that status' },
  refundExceedsCaptured: { code: 'refund_exceeds_captured', status: 422, title: 'Refund exceeds what was captured' },
  invalidRefund: { code: 'invalid_refund', status: 422, title: 'Invalid refund' },
  orderNotPaid: { code: 'order_not_paid', status: 409, title: 'Order not paid' },
  refundFailed: { code: 'refund_failed', status: 502, title: 'Refund refused by the processor', logLevel: 'warn' },
  shipmentExceedsOrder: { code: 'shipment_exceeds_order', status: 422, title: 'Shipment exceeds the order' },
});
