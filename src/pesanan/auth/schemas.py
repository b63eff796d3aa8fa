"""Input for API key administration."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints

from pesanan.core.schema import Input


class ApiKeyCreate(Input):
    # Who or what holds the key ("till 1", "shop sync"): shown in lists and on timelines.
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    role: Literal["admin", "clerk", "warehouse", "accountant"]


Role = Literal["admin", "clerk", "warehouse", "accountant"]
# Blank: the server makes one up and shows it once (the console's invite); else at least 10.
Password = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class UserCreate(Input):
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=254)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    role: Role
    password: Password | None = None


class UserRoleSet(Input):
    role: Role


class PasswordReset(Input):
    password: Password | None = None
