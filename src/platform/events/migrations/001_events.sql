-- Every state change's event, written in the same transaction as the change (the outbox pattern).
-- `events` is the retained log (GET /v1/events, replay); `outbox` lists the events not yet handed to
-- the subscribers. The dispatcher claims outbox rows with FOR UPDATE SKIP LOCKED and deletes them
-- in the transaction that runs the subscribers, so a crash leaves them to be claimed again.
CREATE TABLE events (
  id text PRIMARY KEY,
  type text NOT NULL,
  created_at timestamptz NOT NULL,
  -- { object, previous_attributes? }
  data jsonb NOT NULL,
  -- { request_id, traceparent, idempotency_key, actor, campaign?, experiments? }
  context jsonb NOT NULL
);
-- ids are time-ordered, so id order is creation order: lists page by id
CREATE INDEX events_type_id ON events (type, id);
CREATE INDEX events_created_at ON events (created_at);

CREATE TABLE outbox (
  event_id text PRIMARY KEY,
  -- when the dispatcher may next take it: now, or later after a subscriber failed
  available_at timestamptz NOT NULL,
  attempts int NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX outbox_available ON outbox (available_at);
