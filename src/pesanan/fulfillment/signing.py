"""HMAC-SHA256 signatures for 3PL traffic, both ways (pure).

The signed string is `<timestamp>.<raw body>`, the timestamp whole Unix seconds; headers:

    X-Pesanan-Timestamp: 1795622400
    X-Pesanan-Signature: sha256=<hex digest>

A receiver recomputes the digest with the shared secret, compares in constant time and refuses
a timestamp more than TOLERANCE_SECONDS away from its clock, so a captured request cannot be
replayed later (within the window the event id stops replays).
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Pesanan-Timestamp"
SIGNATURE_HEADER = "X-Pesanan-Signature"
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes,
           now: int) -> str | None:
    """None when the request is authentic and fresh, else the reason it is not."""
    if not timestamp or not signature:
        return "missing signature headers"
    try:
        ts = int(timestamp)
    except ValueError:
        return "malformed timestamp"
    if abs(now - ts) > TOLERANCE_SECONDS:
        return "stale timestamp"
    if not hmac.compare_digest(sign(secret, ts, body), signature.strip()):
        return "bad signature"
    return None
