"""Console users: list, invite (a password given, or made up and returned once), change role,
disable and enable, reset a password. Admin only (users:*). The same commands as the console's
Users page (auth.accounts): one enabled admin always remains."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api.deps import ReadConn, require
from pesanan.auth import accounts
from pesanan.auth.schemas import PasswordReset, UserCreate, UserRoleSet
from pesanan.core.actor import Actor

router = APIRouter(prefix="/users", tags=["users"])
Reader = Annotated[Actor, Depends(require("users:read"))]
Writer = Annotated[Actor, Depends(require("users:write"))]


class UserOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    email: str
    name: str
    role: str
    created_at: str
    disabled_at: str | None
    locked_until: str | None


class UserWithPasswordOut(UserOut):
    # Only when the server made the password up, in the answering response only (a replay
    # of the same Idempotency-Key answers null): it is stored as an argon2 hash.
    password: str | None


class UserPage(BaseModel):
    items: list[UserOut]
    next_cursor: str | None


def _no_password(result: dict[str, Any]) -> dict[str, Any]:
    return {**result, "password": None}


@router.get("", response_model=UserPage)
def list_users(conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None
               ) -> dict[str, Any]:
    """Newest first, disabled ones included."""
    return accounts.list_users(conn, limit=limit, cursor=cursor)


@router.get("/{user_id}", response_model=UserOut)
def get_user(user_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return accounts.get_user(conn, user_id)


@router.post("", status_code=201, response_model=UserWithPasswordOut)
def invite_user(body: UserCreate, request: Request, actor: Writer) -> Response:
    """Create a user; without `password` one is made up and returned here once."""
    return commands.run(request, actor, lambda c: accounts.invite_user(c, body), body=body,
                        status_code=201, location=lambda r: f"/api/v1/users/{r['id']}",
                        replay=_no_password)


@router.post("/{user_id}/role", response_model=UserOut)
def set_role(user_id: str, body: UserRoleSet, request: Request, actor: Writer) -> Response:
    """409 when it would leave no enabled admin."""
    return commands.run(request, actor, lambda c: accounts.set_role(c, user_id, body, actor),
                        body=body)


@router.post("/{user_id}/disable", response_model=UserOut)
def disable_user(user_id: str, request: Request, actor: Writer) -> Response:
    """Refuses every login from now; 409 for yourself or the last enabled admin."""
    return commands.run(request, actor,
                        lambda c: accounts.set_disabled(c, user_id, True, actor))


@router.post("/{user_id}/enable", response_model=UserOut)
def enable_user(user_id: str, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor,
                        lambda c: accounts.set_disabled(c, user_id, False, actor))


@router.post("/{user_id}/password", response_model=UserWithPasswordOut)
def reset_password(user_id: str, body: PasswordReset, request: Request, actor: Writer
                   ) -> Response:
    """Set a password (made up and returned once when not given); lifts a login lockout."""
    return commands.run(request, actor, lambda c: accounts.reset_password(c, user_id, body),
                        body=body, replay=_no_password)
