import { defineErrors } from '../../platform/http/errors.js';

export const SellerOrderErrors = defineErrors({
  sellerOrderNotFound: { code: 'seller_order_not_found', status: 404, title: 'Seller order not found' },
});
