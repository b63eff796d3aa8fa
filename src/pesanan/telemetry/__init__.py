"""Observability: Prometheus metrics, structured logs with the request id, readiness."""
