from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api.deps import ReadConn, require
from pesanan.api.input_guard import version_from_if_match
from pesanan.catalog import queries, service
from pesanan.catalog.schemas import ProductCreate, ProductOut, ProductUpdate
from pesanan.core.actor import Actor

router = APIRouter(prefix="/products", tags=["catalog"])
Reader = Annotated[Actor, Depends(require("catalog:read"))]
Writer = Annotated[Actor, Depends(require("catalog:write"))]


@router.post("", status_code=201, response_model=ProductOut)
def create_product(body: ProductCreate, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor, lambda c: service.create_product(c, body), body=body,
                        status_code=201, location=lambda r: f"/api/v1/products/{r['id']}")


@router.get("")
def list_products(conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None,
                  sku: str | None = None, active: bool | None = None, q: str | None = None
                  ) -> dict[str, Any]:
    return queries.list_products(conn, limit=limit, cursor=cursor, sku=sku, active=active, q=q)


@router.get("/{product_id}", response_model=ProductOut)
def get_product(product_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return queries.get_product(conn, product_id)


@router.patch("/{product_id}", response_model=ProductOut)
def update_product(product_id: str, body: ProductUpdate, request: Request, actor: Writer,
                   if_match: Annotated[str | None, Header()] = None) -> Response:
    version = version_from_if_match(if_match)
    return commands.run(request, actor,
                        lambda c: service.update_product(c, product_id, body, version), body=body)
