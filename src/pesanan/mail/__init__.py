"""Email that goes out (issue 12): notifications made from outbox events, sent by the worker
after commit through SMTP, at most once per event, retried, every message logged."""
