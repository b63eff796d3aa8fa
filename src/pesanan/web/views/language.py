"""The language switch in the header: a user picks the console's language for themselves."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from pesanan.auth import users
from pesanan.core.actor import Actor
from pesanan.shop.profile import SUPPORTED_LOCALES
from pesanan.web.deps import PostedForm, check_csrf, current_user, execute

router = APIRouter()


def _back(request: Request) -> str:
    """The page the switch was pressed on (a path of this site only), else the dashboard."""
    referer = request.headers.get("referer", "")
    base = str(request.base_url).rstrip("/")
    path = referer[len(base):] if referer.startswith(base + "/") else "/"
    return path if path.startswith("/") and not path.startswith("//") else "/"


@router.post("/language", dependencies=[Depends(check_csrf)])
def switch_language(request: Request, posted: PostedForm,
                    actor: Annotated[Actor, Depends(current_user)]) -> Response:
    """One of SUPPORTED_LOCALES; "" (or anything else) goes back to the shop's language."""
    value = posted.get("locale")
    locale = value if isinstance(value, str) and value in SUPPORTED_LOCALES else None
    execute(request, lambda c: users.set_locale(c, actor.id, locale))
    return RedirectResponse(_back(request), status_code=303)
