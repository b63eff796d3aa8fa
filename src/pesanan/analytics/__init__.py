"""Read-side queries across domains: the dashboard and reports."""
