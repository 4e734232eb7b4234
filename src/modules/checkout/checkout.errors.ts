import { defineErrors } from '../../platform/http/errors.js';

export const CheckoutErrors = defineErrors({
  cartEmpty: { code: 'cart_empty', status: 422, title: 'Cart is empty' },
  emailRequired: { code: 'email_required', status: 422, title: 'E-mail required' },
  shippingAddressRequired: { code: 'shipping_address_required', status: 422, title: 'Shipping address required' },
  shippingMethodRequired: { code: 'shipping_method_required', status: 422, title: 'Shipping method required' },
  cartChanged: { code: 'cart_changed', status: 409, title: 'Cart changed' },
  totalChanged: { code: 'total_changed', status: 409, title: 'Total changed' },
  promotionUnavailable: { code: 'promotion_unavailable', status: 409, title: 'Promotion no longer available' },
  paymentDeclined: { code: 'payment_declined', status: 402, title: 'Payment declined' },
  paymentUnavailable: { code: 'payment_processor_unavailable', status: 503, title: 'Payment processors unavailable', logLevel: 'warn' },
  paymentUnresolved: { code: 'payment_unresolved', status: 502, title: 'Payment outcome unknown', logLevel: 'error' },
});
