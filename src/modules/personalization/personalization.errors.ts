import { defineErrors } from '../../platform/http/errors.js';

export const PersonalizationErrors = defineErrors({
  invalidSignals: { code: 'invalid_signals', status: 422, title: 'Invalid signals' },
  modelNotFound: { code: 'recommendation_model_not_found', status: 404, title: 'Recommendation model not found' },
  modelNotReady: { code: 'recommendation_model_not_ready', status: 409, title: 'Recommendation model is not ready' },
  noPreviousModel: { code: 'no_previous_recommendation_model', status: 409, title: 'No previous recommendation model' },
});
