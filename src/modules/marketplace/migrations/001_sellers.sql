-- Marketplace sellers. Operators create them (or partner onboarding does, #6).
CREATE TABLE sellers (
  id text PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'active', 'suspended')),
  -- the partner this seller signed up as (#6), when it came through onboarding
  partner_id text,
  -- negotiated terms overriding the platform's (commission.ts SellerCommissionOverride); {} = none
  commission jsonb NOT NULL DEFAULT '{}',
  -- payout details, encrypted at field level (platform/crypto/fields.ts, AAD "<env>/sellers/<id>/payout_details"):
  -- the sealed value, the id of the key that sealed it (so keys can rotate), and what responses show:
  -- the method, the account holder and the last four characters of the account (never the number)
  payout_ciphertext text,
  payout_key_id text,
  payout_last4 text,
  payout_method text CHECK (payout_method IN ('iban', 'bank_account')),
  payout_account_holder text,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK ((payout_ciphertext IS NULL) = (payout_key_id IS NULL)),
  CHECK ((payout_ciphertext IS NULL) = (payout_last4 IS NULL) AND (payout_ciphertext IS NULL) = (payout_method IS NULL))
);
CREATE INDEX sellers_created ON sellers (created_at, id);
CREATE INDEX sellers_status ON sellers (status, id);
