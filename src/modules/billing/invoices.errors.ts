import { defineErrors } from '../../platform/http/errors.js';

export const InvoiceErrors = defineErrors({
  invoiceNotFound: { code: 'invoice_not_found', status: 404, title: 'Invoice not found' },
  periodNotClosed: { code: 'period_not_closed', status: 422, title: 'Billing period not closed' },
  invalidPeriod: { code: 'invalid_period', status: 422, title: 'Invalid billing period' },
  partnerRequired: { code: 'partner_required', status: 422, title: 'Partner required' },
});
