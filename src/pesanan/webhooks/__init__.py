"""Webhook subscriptions per the Standard Webhooks spec: endpoints, deliveries, attempts."""
