-- A partner (#6) has at most one seller per environment: creating it again (a retried or
-- concurrent approval) finds the one already made instead of leaving a second, orphaned seller.
CREATE UNIQUE INDEX sellers_partner ON sellers (partner_id) WHERE partner_id IS NOT NULL;
