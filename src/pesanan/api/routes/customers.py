from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api import responses as out
from pesanan.api.deps import ReadConn, require
from pesanan.core.actor import Actor
from pesanan.customers.schemas import CustomerCreate
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
