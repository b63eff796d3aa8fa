"""The optional event publisher to NATS JetStream (one subject per event type)."""
