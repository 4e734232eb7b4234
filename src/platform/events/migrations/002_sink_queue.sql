-- Events waiting for an external sink (NATS JetStream): the dispatcher queues them here in its
-- transaction, and the sink's own loop publishes them, so a sink that is down delays only itself,
-- never the webhooks or the other subscribers.
CREATE TABLE event_sink_queue (
  sink text NOT NULL,
  event_id text NOT NULL,
  available_at timestamptz NOT NULL,
  attempts int NOT NULL DEFAULT 0,
  last_error text,
  PRIMARY KEY (sink, event_id)
);
CREATE INDEX event_sink_queue_due ON event_sink_queue (sink, available_at);
