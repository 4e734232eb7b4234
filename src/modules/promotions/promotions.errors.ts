import { defineErrors } from '../../platform/http/errors.js';

export const PromotionErrors = defineErrors({
  promotionNotFound: { code: 'promotion_not_found', status: 404, title: 'Promotion not found' },
  promotionCodeTaken: { code: 'promotion_code_taken', status: 409, title: 'Promotion code already in use' },
  promotionInUse: { code: 'promotion_in_use', status: 409, title: 'Promotion has redemptions' },
  invalidPromotion: { code: 'invalid_promotion', status: 422, title: 'Invalid promotion' },
});
