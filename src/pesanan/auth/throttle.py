"""Rate limits and concurrency gates for the ways in: API keys, failed authentications, logins.

Counting is the `limits` library's moving window (no burst of 2x at a fixed window's edge), in
memory per process by default; a shared storage URI (redis://…) makes several hosts count
together. A limit of "" is off. Every refusal is a RateLimited error with the seconds until the
oldest counted hit leaves the window, for the Retry-After header.
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from pesanan.core.errors import RateLimited


def _items(spec: str) -> list[RateLimitItem]:
    return parse_many(spec) if spec.strip() else []


class Throttle:
    def __init__(self, storage_uri: str, *, api: str, failed_auth: str, login_account: str,
                 login_address: str) -> None:
        storage = storage_from_string(storage_uri)
        if not isinstance(storage, Storage):
            raise ValueError(f"rate-limit storage {storage_uri!r} is async-only")
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._api = _items(api)
        self._failed_auth = _items(failed_auth)
        self._login_account = _items(login_account)
        self._login_address = _items(login_address)

    def reset(self) -> None:
        """Forget every count (tests; an operator's restart does the same)."""
        self._storage.reset()

    # --- API ----------------------------------------------------------------------------
    def api_request(self, key_id: str) -> None:
        """Count one request by an API key; RateLimited past its limit."""
        self._hit(self._api, "api", key_id, "this API key sends too many requests")

    def check_failed_auth(self, address: str) -> None:
        """Before a key lookup: RateLimited when this address already failed too often, so a
        spray of random tokens costs no database query once it is over the limit."""
        for item in self._failed_auth:
            if not self._limiter.test(item, "auth-failed", address):
                raise RateLimited("too many requests with unknown API keys from this address",
                                  self._retry_after(item, "auth-failed", address))

    def login_address_refusal(self, address: str) -> RateLimited | None:
        """Whether this address is already past its login limit (without counting a hit)."""
        for item in self._login_address:
            if not self._limiter.test(item, "login-address", address):
                return RateLimited("Too many login attempts from this address.",
                                   self._retry_after(item, "login-address", address))
        return None

    def failed_auth(self, address: str) -> None:
        for item in self._failed_auth:
            self._limiter.hit(item, "auth-failed", address)

    # --- console login ------------------------------------------------------------------
    def login_attempt(self, email: str, address: str) -> None:
        """Count one login attempt for the account and for the address (both, even when one
        refuses: an attacker's refused tries keep counting)."""
        refusals = [
            self._hits(self._login_account, "login-account", email.strip().lower(),
                       "Too many login attempts for this account."),
            self._hits(self._login_address, "login-address", address,
                       "Too many login attempts from this address."),
        ]
        worst = max((r for r in refusals if r is not None), default=None,
                    key=lambda r: r.retry_after)
        if worst is not None:
            raise worst

    # --- internals ----------------------------------------------------------------------
    def _hit(self, items: list[RateLimitItem], scope: str, who: str, message: str) -> None:
        refused = self._hits(items, scope, who, message)
        if refused is not None:
            raise refused

    def _hits(self, items: list[RateLimitItem], scope: str, who: str, message: str
              ) -> RateLimited | None:
        for item in items:
            if not self._limiter.hit(item, scope, who):
                return RateLimited(message, self._retry_after(item, scope, who))
        return None

    def _retry_after(self, item: RateLimitItem, scope: str, who: str) -> int:
        reset_at = self._limiter.get_window_stats(item, scope, who).reset_time
        return max(1, math.ceil(reset_at - time.time()))


class Gate:
    """At most `size` holders at once per event loop; the rest wait in FIFO order on the loop
    (not as blocked threads, which would take the thread pool every sync endpoint needs).
    One semaphore per loop: tests may drive one app from several loops."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self.held = 0  # places taken now, all loops together (a hint, read without a lock)
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._by_loop = weakref.WeakKeyDictionary()

    @asynccontextmanager
    async def hold(self, timeout: float | None = None) -> AsyncIterator[None]:
        """Raises TimeoutError when no place frees up within `timeout` seconds."""
        loop = asyncio.get_running_loop()
        sem = self._by_loop.get(loop)
        if sem is None:
            sem = self._by_loop[loop] = asyncio.Semaphore(self.size)
        await asyncio.wait_for(sem.acquire(), timeout)
        self.held += 1
        try:
            yield
        finally:
            self.held -= 1
            sem.release()

    @property
    def busy(self) -> bool:
        """Every place is taken: a newcomer would have to wait."""
        return self.held >= self.size
