"""Standard Webhooks signing (pure), through the `standardwebhooks` package rather than by
hand: `webhook-id`, `webhook-timestamp` and `webhook-signature` (v1, HMAC-SHA256 over
"<id>.<timestamp>.<body>" with a `whsec_` secret).

During a secret rotation's overlap the message is signed with both secrets, space-separated,
newest first: a receiver that still holds the old secret verifies it, and so does one that
already switched (the spec's way to rotate without dropping a message).
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime
from functools import lru_cache

from standardwebhooks import Webhook

PREFIX = "whsec_"
SECRET_BYTES = 32  # 256 bits, the HMAC-SHA256 block's worth


def new_secret() -> str:
    """A fresh secret in the spec's format: `whsec_` + base64 of random bytes."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def webhook_id(delivery_id: str) -> str:
    return f"msg_{delivery_id}"


@lru_cache(maxsize=64)
def _signer(key: str) -> Webhook:
    # Made once per secret, not per message (it decodes the secret each time it is made);
    # a rotation brings a new key, and the few kept are what signing holds anyway.
    return Webhook(key)


def headers(keys: list[str], msg_id: str, at: datetime, payload: str) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt, signed with every key in `keys`."""
    ts = at.astimezone(UTC).replace(microsecond=0)
    signatures = " ".join(_signer(k).sign(msg_id, ts, payload) for k in keys)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(ts.timestamp())),
            "webhook-signature": signatures}
