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
  -- payout details, encrypted at field level (platform/crypto): the sealed value, the id of the key
  -- that sealed it (so keys can rotate), and the last four characters, the only part ever returned
  payout_ciphertext text,
  payout_key_id text,
  payout_last4 text,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK ((payout_ciphertext IS NULL) = (payout_key_id IS NULL))
);
CREATE INDEX sellers_created ON sellers (created_at, id);
CREATE INDEX sellers_status ON sellers (status, id);
