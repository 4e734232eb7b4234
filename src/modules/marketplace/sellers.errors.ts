import { defineErrors } from '../../platform/http/errors.js';

export const SellerErrors = defineErrors({
  sellerNotFound: { code: 'seller_not_found', status: 404, title: 'Seller not found' },
  sellerStatusConflict: { code: 'seller_status_conflict', status: 409, title: 'Seller status does not allow this' },
  invalidPayoutDetails: { code: 'invalid_payout_details', status: 422, title: 'Invalid payout details' },
  sellerKeyRequired: { code: 'seller_key_required', status: 403, title: 'Seller key required' },
});
