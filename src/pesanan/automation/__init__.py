"""Automation rules: when EVENT and CONDITIONS then ACTIONS, once per (rule, event)."""
