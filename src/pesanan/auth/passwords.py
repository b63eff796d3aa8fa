"""The one argon2id hasher for console passwords (argon2-cffi, the reference implementation's
bindings).

Parameters: OWASP's baseline for argon2id (19 MiB, 2 passes, 1 lane) rather than argon2-cffi's
default RFC 9106 "low memory" profile (64 MiB, 3 passes, 4 lanes). Measured on the 2-core
machine the server shares with its database: ~45 ms of CPU per check instead of ~290 ms, on one
core instead of four threads. A login spray is what makes this matter: each check the rate
limits let through is CPU that order placement does not get (bench/spray.py). Online guessing is
bounded by the rate limits and the lockout, not by the hash cost. Hashes made with other
parameters still verify and are re-hashed with these at the next successful login.
"""

from __future__ import annotations

from argon2 import PasswordHasher

HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
# Verified against when the email is unknown, so timing does not reveal which emails exist.
DUMMY_HASH = HASHER.hash("not-a-real-password")
