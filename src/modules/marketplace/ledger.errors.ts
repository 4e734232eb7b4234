import { defineErrors } from '../../platform/http/errors.js';

/** The seller ledger's and settlements' error catalog. */
export const LedgerErrors = defineErrors({
  sellerNotFound: { code: 'seller_not_found', status: 404, title: 'Seller not found' },
  sellerOrderNotFound: { code: 'seller_order_not_found', status: 404, title: 'Seller order not found' },
  sellerRequired: { code: 'seller_required', status: 400, title: 'A seller key is required' },
  chargebackExceedsSale: { code: 'chargeback_exceeds_sale', status: 422, title: 'Chargeback exceeds what is left of the sale' },
  saleNotPosted: { code: 'sale_not_posted', status: 409, title: 'The sale is not in the ledger yet' },
  settlementRunNotFound: { code: 'settlement_run_not_found', status: 404, title: 'Settlement run not found' },
  invalidPeriod: { code: 'settlement_period_invalid', status: 422, title: 'Invalid settlement period' },
});
