-- A rolled key keeps working until expires_at (POST /v1/api_keys/:id/roll), then stops like a revoked one.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
