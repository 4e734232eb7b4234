import { defineErrors } from '../../platform/http/errors.js';

export const PartnerErrors = defineErrors({
  invalidScopes: { code: 'invalid_scopes', status: 422, title: 'Invalid scopes' },
  scopesWiderThanRequested: { code: 'scopes_wider_than_requested', status: 422, title: 'Scopes wider than requested' },
  partnerNotFound: { code: 'partner_not_found', status: 404, title: 'Partner not found' },
  partnerAlreadyApproved: { code: 'partner_already_approved', status: 409, title: 'Partner already approved' },
  clientNotFound: { code: 'oauth_client_not_found', status: 404, title: 'OAuth client not found' },
  liveModeRequired: { code: 'live_mode_required', status: 403, title: 'Live mode required' },
  notAPartner: { code: 'not_a_partner', status: 403, title: 'Not a partner credential' },
  invalidToken: { code: 'invalid_token', status: 401, title: 'Invalid access token' },
  partnerHeaderNotAllowed: { code: 'partner_header_not_allowed', status: 403, title: 'Tessera-Partner not allowed' },
  partnerNotApproved: { code: 'partner_not_approved', status: 409, title: 'Partner not approved for live mode' },
  tooManyClients: { code: 'too_many_clients', status: 409, title: 'Too many OAuth clients' },
  sandboxRequired: { code: 'partner_sandbox_required', status: 403, title: 'A partner sandbox credential is required' },
});
