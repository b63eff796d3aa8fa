"""The shop's settings: who the shop is, its time zone, currency and document wording. Every
role reads them (shop:read); only the admin changes them (settings:write)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api.deps import ReadConn, require
from pesanan.core.actor import Actor
from pesanan.core.errors import FieldError, NotFound, ValidationFailed
from pesanan.flows import shop_settings
from pesanan.shop import rules, service
from pesanan.shop.profile import LOGO_TYPES, profile_view
from pesanan.shop.schemas import ShopSettingsIn

router = APIRouter(prefix="/shop", tags=["shop"])
Reader = Annotated[Actor, Depends(require("shop:read"))]
Admin = Annotated[Actor, Depends(require("settings:write"))]
# A logo served from our own origin may be an SVG: it must never run script there.
LOGO_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}


class ShopOut(BaseModel):
    """For the OpenAPI document (commands answer ready bytes; see api/responses.py)."""

    model_config = ConfigDict(extra="allow")
    legal_name: str
    address: str
    tax_id: str | None
    email: str | None
    phone: str | None
    logo: dict[str, Any] | None  # {type, size, url}; the image itself is GET /shop/logo
    time_zone: str
    locale: str
    currency: str
    invoice_footer: str
    payment_instructions: str
    invoice_prefix: str
    credit_note_prefix: str
    purchase_order_prefix: str
    delivery_note_prefix: str


@router.get("", response_model=ShopOut)
def get_shop(conn: ReadConn, _: Reader) -> dict[str, Any]:
    """The shop's profile (the defaults until an admin sets it)."""
    return profile_view(service.profile(conn))


@router.patch("", response_model=ShopOut)
def update_shop(body: ShopSettingsIn, request: Request, actor: Admin) -> Response:
    """Change only the fields sent; `null` clears tax_id, email, phone or logo (`logo`: base64
    of a PNG, JPEG or SVG, at most 512 KiB). A bad field -> 422 naming each, nothing changes."""
    return commands.run(
        request, actor, lambda c: profile_view(shop_settings.update_shop(c, body, actor)),
        body=body)


@router.get("/logo", response_class=Response, responses={
    200: {"content": {kind: {"schema": {"type": "string", "format": "binary"}}
                      for kind in LOGO_TYPES}},
    404: {"description": "not-found: the shop has no logo", "content": {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}})
def get_logo(conn: ReadConn, _: Reader) -> Response:
    """The logo image as uploaded (404 when there is none)."""
    p = service.profile(conn)
    if p.logo is None or p.logo_type is None:
        raise NotFound("the shop has no logo")
    return Response(p.logo, media_type=p.logo_type, headers=LOGO_HEADERS)


_IMAGE_BODY = {"requestBody": {"required": True, "content": {
    kind: {"schema": {"type": "string", "format": "binary"}} for kind in LOGO_TYPES}}}


@router.put("/logo", response_model=ShopOut, openapi_extra=_IMAGE_BODY)
async def put_logo(request: Request, actor: Admin) -> Response:
    """Replace the logo with the request body (a PNG, JPEG or SVG, at most 512 KiB; its type is
    read from its bytes)."""
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > rules.MAX_LOGO_BYTES:
            raise ValidationFailed("The logo is refused", [FieldError(
                "logo", "too_large", "The logo is larger than 512 KiB.")])
    image = bytes(data)
    return await commands.run_async(
        request, actor, lambda c: profile_view(shop_settings.set_logo(c, image, actor)))


@router.delete("/logo", response_model=ShopOut)
def delete_logo(request: Request, actor: Admin) -> Response:
    """Remove the logo."""
    return commands.run(
        request, actor, lambda c: profile_view(shop_settings.set_logo(c, None, actor)))
