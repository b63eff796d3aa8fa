"""Pesanan's one module for calls to the outside world (3PL dispatch; webhooks and email
next): addresses.py decides what may be called, client.py makes the call."""

from __future__ import annotations

from pesanan.config import Settings
from pesanan.outbound.addresses import AddressRefused, Policy, check_url
from pesanan.outbound.client import Answer, Client, OutboundError

__all__ = ["AddressRefused", "Answer", "Client", "OutboundError", "Policy", "check_url",
           "client_for", "policy_for"]


def policy_for(settings: Settings) -> Policy:
    """The address policy the settings name (PESANAN_OUTBOUND_ALLOW)."""
    return Policy.parse(settings.outbound_allow)


def client_for(settings: Settings) -> Client:
    return Client(policy_for(settings), deadline=settings.outbound_deadline_seconds)
