import { defineErrors } from '../../platform/http/errors.js';

export const BillingErrors = defineErrors({
  quotaExceeded: { code: 'quota_exceeded', status: 429, title: 'Quota exceeded' },
  planNotFound: { code: 'plan_not_found', status: 404, title: 'Plan not found' },
  invalidPlan: { code: 'invalid_plan', status: 422, title: 'Invalid plan' },
  partnerNotFound: { code: 'partner_not_found', status: 404, title: 'Partner not found' },
  liveModeRequired: { code: 'live_mode_required', status: 403, title: 'Live mode required' },
});
