import { defineErrors } from '../../platform/http/errors.js';

export const WebhookErrors = defineErrors({
  endpointNotFound: { code: 'webhook_endpoint_not_found', status: 404, title: 'Webhook endpoint not found' },
  eventNotFound: { code: 'event_not_found', status: 404, title: 'Event not found' },
  urlNotAllowed: { code: 'webhook_url_not_allowed', status: 422, title: 'Webhook URL not allowed' },
  endpointDisabled: { code: 'webhook_endpoint_disabled', status: 409, title: 'Webhook endpoint disabled' },
  eventsNotForSellers: { code: 'webhook_events_not_for_sellers', status: 422, title: 'Event types a seller endpoint never receives' },
  eventNotForEndpoint: { code: 'event_not_for_endpoint', status: 422, title: 'This endpoint never receives this event' },
});
