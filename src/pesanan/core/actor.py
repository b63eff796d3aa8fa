"""Who runs a command: carried from the entrypoint into services for audit trails."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    name: str
    role: str


SYSTEM = Actor(id="system", name="system", role="admin")
