import { defineErrors } from '../../platform/http/errors.js';

export const PricingErrors = defineErrors({
  regionNotFound: { code: 'region_not_found', status: 404, title: 'Region not found' },
  shippingOptionNotFound: { code: 'shipping_option_not_found', status: 404, title: 'Shipping option not found' },
  countryInUse: { code: 'country_in_use', status: 409, title: 'Country already in another region' },
  invalidRegion: { code: 'invalid_region', status: 422, title: 'Invalid region' },
  invalidShippingOption: { code: 'invalid_shipping_option', status: 422, title: 'Invalid shipping option' },
});
