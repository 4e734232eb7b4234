import { defineErrors } from '../../platform/http/errors.js';

export const WebhookErrors = defineErrors({
  endpointNotFound: { code: 'webhook_endpoint_not_found', status: 404, title: 'Webhook endpoint not found' },
  eventNotFound: { code: 'event_not_found', status: 404, title: 'Event not found' },
  urlNotAllowed: { code: 'webhook_url_not_allowed', status: 422, title: 'Webhook URL not allowed' },
  endpointDisabled: { code: 'webhook_endpoint_disabled', status: 409, title: 'Webhook endpoint disabled' },
});
