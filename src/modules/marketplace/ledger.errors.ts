import { defineErrors } from '../../platform/http/errors.js';

/** The seller ledger's and settlements' own errors (sellers and seller orders not found: their modules' catalogs). */
export const LedgerErrors = defineErrors({
  sellerRequired: { code: 'seller_required', status: 400, title: 'A seller key is required' },
  chargebackExceedsSale: { code: 'chargeback_exceeds_sale', status: 422, title: 'Chargeback exceeds what is left of the sale' },
  settlementRunNotFound: { code: 'settlement_run_not_found', status: 404, title: 'Settlement run not found' },
  invalidPeriod: { code: 'settlement_period_invalid', status: 422, title: 'Invalid settlement period' },
});
