"""Secrets at rest (3PL shared secrets; webhook secrets next): sealed with Fernet from the
`cryptography` package (AES-128-CBC + HMAC-SHA256, authenticated: a changed byte fails to
open), never hand-rolled.

The key is PESANAN_ENCRYPTION_KEY when set: one or more Fernet keys, comma-separated, the
first sealing and all of them opening, so a key is rotated by putting the new one first
(KMS-style: the key lives outside the database and the app's files). Otherwise it is derived
with HKDF-SHA256 from the app's secret key (Settings.session_secret()), under its own `info`
label, so the cookie-signing key itself is never used for encryption.

A sealed value starts with "fernet:" so a reader can tell it from a plain one.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "fernet:"
_INFO = b"pesanan secrets at rest v1"


class SecretUnreadable(Exception):
    """The sealed value was made with another key, or changed."""


class SecretBox:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one key")
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    def seal(self, plain: str) -> str:
        return PREFIX + self._fernet.encrypt(plain.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        if not sealed.startswith(PREFIX):
            raise SecretUnreadable("not a sealed value")
        try:
            return self._fernet.decrypt(sealed[len(PREFIX):].encode("ascii")).decode()
        except InvalidToken:
            raise SecretUnreadable("sealed with another key, or altered") from None


def derived_key(app_secret: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        app_secret.encode())
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=8)
def box(encryption_key: str, app_secret: str) -> SecretBox:
    """The box for these settings (built once per key: HKDF and key parsing are not free).
    `encryption_key` wins when set; `app_secret` is only read when it is not."""
    if encryption_key.strip():
        return SecretBox([k.strip().encode() for k in encryption_key.split(",") if k.strip()])
    return SecretBox([derived_key(app_secret)])


class KeySettings(Protocol):
    encryption_key: str

    def session_secret(self) -> str: ...


def box_for(settings: KeySettings) -> SecretBox:
    """The app's box, the same way for the server, the CLI and migration 0011."""
    key = settings.encryption_key
    return box(key, "" if key.strip() else settings.session_secret())
