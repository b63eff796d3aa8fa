from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api import responses as out
from pesanan.api.deps import ReadConn, require
from pesanan.core.actor import Actor
from pesanan.customers.schemas import AddressIn, CustomerCreate, CustomerUpdate
from pesanan.flows import customer_profile as profiles

router = APIRouter(prefix="/customers", tags=["customers"])
Reader = Annotated[Actor, Depends(require("customers:read"))]
Writer = Annotated[Actor, Depends(require("customers:write"))]


@router.post("", status_code=201, response_model=out.CustomerOut)
def create_customer(body: CustomerCreate, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor, lambda c: profiles.create_customer(c, body), body=body,
                        status_code=201, location=lambda r: f"/api/v1/customers/{r['id']}")


@router.get("")
def list_customers(conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None,
                   q: str | None = None) -> dict[str, Any]:
    return profiles.list_customers(conn, limit=limit, cursor=cursor, q=q)


@router.get("/{customer_id}")
def get_customer(customer_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return profiles.get_customer(conn, customer_id)


@router.patch("/{customer_id}", response_model=out.CustomerOut)
def update_customer(customer_id: str, body: CustomerUpdate, request: Request, actor: Writer
                    ) -> Response:
    """Change only the fields given; `email`, `phone`, `credit_limit` and
    `payment_terms_days` sent as null are cleared."""
    return commands.run(request, actor,
                        lambda c: profiles.update_customer(c, customer_id, body), body=body)


@router.post("/{customer_id}/addresses", status_code=201, response_model=out.CustomerOut)
def add_address(customer_id: str, body: AddressIn, request: Request, actor: Writer
                ) -> Response:
    """Add an address; `is_default` makes it the only default of its kind."""
    return commands.run(request, actor, lambda c: profiles.add_address(c, customer_id, body),
                        body=body, status_code=201)


@router.put("/{customer_id}/addresses/{address_id}", response_model=out.CustomerOut)
def update_address(customer_id: str, address_id: str, body: AddressIn, request: Request,
                   actor: Writer) -> Response:
    return commands.run(request, actor, lambda c: profiles.update_address(
        c, customer_id, address_id, body), body=body)


@router.post("/{customer_id}/addresses/{address_id}/default", response_model=out.CustomerOut)
def set_default_address(customer_id: str, address_id: str, request: Request, actor: Writer
                        ) -> Response:
    return commands.run(request, actor, lambda c: profiles.set_default_address(
        c, customer_id, address_id))


@router.delete("/{customer_id}/addresses/{address_id}", response_model=out.CustomerOut)
def remove_address(customer_id: str, address_id: str, request: Request, actor: Writer
                   ) -> Response:
    return commands.run(request, actor, lambda c: profiles.remove_address(
        c, customer_id, address_id))
