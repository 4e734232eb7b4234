import { defineErrors } from '../../platform/http/errors.js';

export const CartErrors = defineErrors({
  cartNotFound: { code: 'cart_not_found', status: 404, title: 'Cart not found' },
  cartExpired: { code: 'cart_expired', status: 410, title: 'Cart expired' },
  itemNotFound: { code: 'cart_item_not_found', status: 404, title: 'Cart item not found' },
  cartCompleted: { code: 'cart_already_completed', status: 409, title: 'Cart already completed' },
  checkoutInProgress: { code: 'checkout_in_progress', status: 409, title: 'Checkout in progress' },
  variantUnavailable: { code: 'variant_unavailable', status: 422, title: 'Variant not available' },
  currencyMismatch: { code: 'currency_mismatch', status: 422, title: 'Currency does not match the region' },
  countryNotInRegion: { code: 'country_not_in_region', status: 422, title: 'Country not served by the region' },
  unknownRegion: { code: 'unknown_region', status: 422, title: 'Unknown region' },
  shippingOptionUnavailable: { code: 'shipping_option_unavailable', status: 422, title: 'Shipping option not available' },
  promotionCodeInvalid: { code: 'promotion_code_invalid', status: 422, title: 'Unknown promotion code' },
  promotionCodeNotApplied: { code: 'promotion_code_not_applied', status: 404, title: 'Promotion code not on the cart' },
  tooManyItems: { code: 'too_many_items', status: 422, title: 'Too many items' },
  customerNeedsSecretKey: { code: 'customer_requires_secret_key', status: 403, title: 'Setting the customer needs a secret key' },
});
