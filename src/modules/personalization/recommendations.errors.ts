import { defineErrors } from '../../platform/http/errors.js';

export const RecommendationErrors = defineErrors({
  customerNeedsSecretKey: { code: 'recommendations_customer_requires_secret_key', status: 403, title: 'Recommendations for a customer need a secret key' },
});
