-- Partners and their OAuth clients (issue 6). A partner is a platform account, not sandbox data:
-- the developers module keeps these tables in the live schema only (the test schema has them,
-- unused), so a sandbox reset never touches accounts. Each client belongs to one environment.
CREATE TABLE partners (
  id text PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('seller', 'integrator')),
  status text NOT NULL CHECK (status IN ('pending', 'approved')),
  requested_scopes text[] NOT NULL,
  granted_scopes text[],
  test_seller_id text,
  live_seller_id text,
  created_at timestamptz NOT NULL,
  approved_at timestamptz
);

CREATE TABLE oauth_clients (
  id text PRIMARY KEY,
  partner_id text NOT NULL REFERENCES partners (id),
  env text NOT NULL CHECK (env IN ('live', 'test')),
  scopes text[] NOT NULL,
  seller_id text,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX oauth_clients_partner ON oauth_clients (partner_id);

-- Only a SHA-256 of each client secret is stored. A rotation gives the old secret an expiry, so
-- both work during the overlap.
CREATE TABLE oauth_client_secrets (
  secret_hash text PRIMARY KEY,
  client_id text NOT NULL REFERENCES oauth_clients (id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz
);
CREATE INDEX oauth_client_secrets_client ON oauth_client_secrets (client_id);

-- Access-token signing keys (Ed25519). The private key is sealed with the field cipher; the
-- public JWK is published at /.well-known/jwks.json until every token the key signed has expired.
CREATE TABLE oauth_signing_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  public_jwk jsonb NOT NULL,
  private_sealed text NOT NULL,
  created_at timestamptz NOT NULL,
  retired_at timestamptz,
  publish_until timestamptz
);
-- at most one key signs at a time
CREATE UNIQUE INDEX oauth_signing_keys_active ON oauth_signing_keys ((true)) WHERE retired_at IS NULL;
