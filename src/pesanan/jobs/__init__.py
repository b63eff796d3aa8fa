"""Scheduled jobs: their settings, claims (one runner at a time across workers) and outcomes."""
