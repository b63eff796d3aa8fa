"""What one event becomes on the broker: its subject, its payload and its dedup id.

One subject per event type under a prefix (`pesanan.events.order.placed`), so a subscriber
picks types with NATS wildcards (`pesanan.events.order.>`). The payload is the envelope the
feed gives every consumer; the event id is the `Nats-Msg-Id`, so a batch published again (a
crash between publish and cursor advance) is dropped by JetStream as a duplicate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

# NATS subject tokens: no whitespace, no wildcards (`*`, `>`), none empty. Event types are
# constants in code (`resource.verb`), so one that breaks this is a bug to hear about, not a
# subject to mangle.
TOKENS = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")


@dataclass(frozen=True)
class Message:
    subject: str
    payload: bytes
    msg_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Nats-Msg-Id": self.msg_id}


def subject_for(prefix: str, event_type: str) -> str:
    subject = f"{prefix}.{event_type}"
    if not TOKENS.fullmatch(subject):
        raise ValueError(f"not a NATS subject: {subject!r}")
    return subject


def message(prefix: str, envelope: dict[str, Any]) -> Message:
    return Message(subject_for(prefix, envelope["type"]), orjson.dumps(envelope),
                   envelope["id"])
