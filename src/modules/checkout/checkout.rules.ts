import { AppError } from '../../platform/http/errors.js';
import type { CartWithItems, PricedCart } from '../carts/index.js';
import type { RejectedPromotion } from '../pricing/index.js';
import { CheckoutErrors } from './checkout.errors.js';

/** Whether a cart has what an order needs: lines, an e-mail, a shipping address and method. */
export function checkReady({ cart, items }: CartWithItems): void {
  if (items.length === 0) throw new AppError(CheckoutErrors.cartEmpty, `Cart ${cart.id} has no items.`);
  if (!cart.email) throw new AppError(CheckoutErrors.emailRequired, 'Set the cart\'s email before checkout.', [{ detail: 'Missing.', pointer: '/email' }]);
  if (!cart.shipping_address) throw new AppError(CheckoutErrors.shippingAddressRequired, 'Set a shipping address before checkout.', [{ detail: 'Missing.', pointer: '/shipping_address' }]);
  if (!cart.shipping_option_id) throw new AppError(CheckoutErrors.shippingMethodRequired, 'Choose a shipping option before checkout.', [{ detail: 'Missing.', pointer: '/shipping_option_id' }]);
}

/**
 * Codes on the cart that do not apply now. Checkout refuses them rather than charging the full
 * price the shopper did not expect: the storefront removes the code, or the shopper changes the cart.
 */
export function unavailableCodes(priced: PricedCart): RejectedPromotion[] {
  // the evaluator lists every entered code that does not apply, including a code no promotion carries now
  return priced.totals.promotions.rejected.filter((r) => r.code !== null);
}
