"""Console: the shop's settings (admin): every field, the logo upload, errors beside the fields,
a saved message. The same command as the API and the CLI (flows.shop_settings)."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError
from pesanan.flows import shop_settings
from pesanan.shop import rules
from pesanan.shop.profile import LOGO_TYPES, SUPPORTED_LOCALES, ShopProfile, profile_view
from pesanan.shop.schemas import ShopSettingsIn
from pesanan.web.deps import PostedForm, check_csrf, execute, page, render
from pesanan.web.forms import domain_errors, parse
from pesanan.web.shop_time import profile_of

router = APIRouter()
Admin = Annotated[Actor, Depends(page("settings:write"))]
Reader = Annotated[Actor, Depends(page("shop:read"))]
TEXT_FIELDS = ("legal_name", "address", "tax_id", "email", "phone", "time_zone", "locale",
               "currency", "invoice_footer", "payment_instructions", "invoice_prefix",
               "credit_note_prefix", "purchase_order_prefix", "delivery_note_prefix")
# Served from our own origin to the console: an SVG must never run script here.
LOGO_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}


def _page(request: Request, p: ShopProfile, status: int = 200, *,
          form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
          saved: bool = False) -> Response:
    return render(request, "settings/page.html", status, shop=profile_view(p),
                  form=form if form is not None else profile_view(p), errors=errors or {},
                  saved=saved, locales=SUPPORTED_LOCALES)


@router.get("/settings")
def settings_page(request: Request, _: Admin, saved: str | None = None) -> Response:
    return _page(request, profile_of(request), saved=saved is not None)


@router.get("/settings/logo")
def logo(request: Request, _: Reader) -> Response:
    """The logo for console pages (the printable invoice); 404 without one."""
    p = profile_of(request)
    if p.logo is None or p.logo_type not in LOGO_TYPES:
        return Response(status_code=404)
    return Response(p.logo, media_type=p.logo_type, headers=LOGO_HEADERS)


@router.post("/settings", dependencies=[Depends(check_csrf)])
def save(request: Request, posted: PostedForm, actor: Admin) -> Response:
    """Every text field is sent by the form, so each is set to what was typed ("" clears an
    optional one); a chosen file replaces the logo, the box removes it."""
    form = {k: str(posted.get(k) or "").strip() for k in TEXT_FIELDS}
    data: dict[str, Any] = dict(form)
    upload = posted.get("logo")
    errors: dict[str, str] = {}
    if isinstance(upload, UploadFile) and upload.filename:
        image = upload.file.read(rules.MAX_LOGO_BYTES + 1)  # a spooled file: no await needed
        if len(image) > rules.MAX_LOGO_BYTES:
            errors["logo"] = "The logo is larger than 512 KiB."
        else:
            data["logo"] = base64.b64encode(image).decode()
    elif posted.get("remove_logo"):
        data["logo"] = None
    cmd, problems = parse(ShopSettingsIn, data)
    errors.update(problems)
    if cmd is not None and not errors:
        try:
            execute(request, lambda c: shop_settings.update_shop(c, cmd, actor))
            return RedirectResponse("/settings?saved=1", status_code=303)
        except DomainError as e:
            errors = domain_errors(e)
    return _page(request, profile_of(request), 422, form=form, errors=errors)
