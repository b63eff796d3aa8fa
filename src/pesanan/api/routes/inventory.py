from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError as PydanticValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api import responses as out
from pesanan.api.deps import ReadConn, require
from pesanan.api.errors import domain_problem, problem_response
from pesanan.core.actor import Actor
from pesanan.core.errors import FieldError, ValidationFailed
from pesanan.inventory import (
    count_queries,
    counts,
    imports,
    queries,
    service,
    states,
    transfer_queries,
    transfers,
)
from pesanan.inventory.schemas import (
    CountCreate,
    LocationCreate,
    QuarantineMove,
    StockAdjustment,
    StockImport,
    TransferCreate,
    TransferReceive,
)
from pesanan.purchasing import levels as purchasing_levels

router = APIRouter(tags=["inventory"])
Reader = Annotated[Actor, Depends(require("inventory:read"))]
Writer = Annotated[Actor, Depends(require("inventory:write"))]
MAX_IMPORT_BYTES = 2_000_000


@router.post("/locations", status_code=201, response_model=out.LocationOut)
def create_location(body: LocationCreate, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor, lambda c: service.create_location(c, body), body=body,
                        status_code=201, location=lambda r: f"/api/v1/locations/{r['id']}")


@router.get("/locations")
def list_locations(conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None
                   ) -> dict[str, Any]:
    return queries.list_locations(conn, limit=limit, cursor=cursor)


@router.get("/locations/{location_id}")
def get_location(location_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return queries.get_location(conn, location_id)


@router.get("/inventory")
def stock_levels(conn: ReadConn, _: Reader, sku: str | None = None,
                 location_id: str | None = None, limit: int = 250,
                 cursor: str | None = None) -> dict[str, Any]:
    return purchasing_levels.stock_levels(conn, sku=sku, location_id=location_id, limit=limit,
                                          cursor=cursor)


@router.post("/inventory/adjustments", status_code=201, response_model=out.StockLevelOut)
def adjust_stock(body: StockAdjustment, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor, lambda c: service.adjust_stock(c, body), body=body,
                        status_code=201)


@router.get("/inventory/movements")
def movements(conn: ReadConn, _: Reader, product_id: str | None = None,
              location_id: str | None = None, limit: int = 50, cursor: str | None = None
              ) -> dict[str, Any]:
    return queries.movements(conn, product_id=product_id, location_id=location_id, limit=limit,
                             cursor=cursor)


# --- stock states (issue 4): quarantine, transfers, counts, CSV import -------------------------

@router.post("/inventory/quarantine", response_model=out.StockStatesOut)
def quarantine(body: QuarantineMove, request: Request, actor: Writer) -> Response:
    """Damaged units found on the shelf: on hand (sellable) down, quarantined up."""
    return commands.run(request, actor,
                        lambda c: states.quarantine_stock(c, body, purchasing_levels.level),
                        body=body)


@router.post("/inventory/quarantine/release", response_model=out.StockStatesOut)
def release_quarantine(body: QuarantineMove, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor,
                        lambda c: states.release_quarantine(c, body, purchasing_levels.level),
                        body=body)


@router.post("/inventory/quarantine/scrap", response_model=out.StockStatesOut)
def scrap_quarantine(body: QuarantineMove, request: Request, actor: Writer) -> Response:
    """Write quarantined units off (Dr 5100 inventory adjustments / Cr 1200 inventory)."""
    return commands.run(request, actor,
                        lambda c: states.scrap_quarantine(c, body, purchasing_levels.level),
                        body=body)


@router.get("/inventory/quarantine/movements")
def quarantine_movements(conn: ReadConn, _: Reader, product_id: str | None = None,
                         location_id: str | None = None, limit: int = 50,
                         cursor: str | None = None) -> dict[str, Any]:
    return states.quarantine_movements(conn, product_id=product_id, location_id=location_id,
                                       limit=limit, cursor=cursor)


@router.post("/inventory/transfers", status_code=201, response_model=out.TransferOut)
def create_transfer(body: TransferCreate, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor, lambda c: transfers.create_transfer(c, body, actor.name),
                        body=body, status_code=201,
                        location=lambda r: f"/api/v1/inventory/transfers/{r['id']}")


@router.get("/inventory/transfers")
def list_transfers(conn: ReadConn, _: Reader, status: str | None = None,
                   location_id: str | None = None, limit: int = 50, cursor: str | None = None
                   ) -> dict[str, Any]:
    return transfer_queries.list_transfers(conn, status=status, location_id=location_id,
                                           limit=limit, cursor=cursor)


@router.get("/inventory/transfers/{transfer_id}")
def get_transfer(transfer_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return transfer_queries.get_transfer(conn, transfer_id)


@router.post("/inventory/transfers/{transfer_id}/ship", response_model=out.TransferOut)
def ship_transfer(transfer_id: str, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor,
                        lambda c: transfers.ship_transfer(c, transfer_id, actor.name))


@router.post("/inventory/transfers/{transfer_id}/receive", response_model=out.TransferOut)
def receive_transfer(transfer_id: str, request: Request, actor: Writer,
                     body: TransferReceive | None = None) -> Response:
    """Receive the given lines, or (no body) everything still in transit."""
    cmd = body or TransferReceive()
    return commands.run(request, actor,
                        lambda c: transfers.receive_transfer(c, transfer_id, cmd, actor.name),
                        body=cmd)


@router.post("/inventory/transfers/{transfer_id}/cancel", response_model=out.TransferOut)
def cancel_transfer(transfer_id: str, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor,
                        lambda c: transfers.cancel_transfer(c, transfer_id, actor.name))


@router.post("/inventory/counts", status_code=201, response_model=out.StockCountOut)
def record_count(body: CountCreate, request: Request, actor: Writer) -> Response:
    """Record counted quantities (and with `post: true`, post the differences at once)."""
    return commands.run(request, actor, lambda c: counts.record_count(c, body), body=body,
                        status_code=201,
                        location=lambda r: f"/api/v1/inventory/counts/{r['id']}")


@router.get("/inventory/counts")
def list_counts(conn: ReadConn, _: Reader, location_id: str | None = None,
                status: str | None = None, limit: int = 50, cursor: str | None = None
                ) -> dict[str, Any]:
    return count_queries.list_counts(conn, location_id=location_id, status=status, limit=limit,
                                     cursor=cursor)


@router.get("/inventory/counts/{count_id}")
def get_count(count_id: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    return count_queries.get_count(conn, count_id)


@router.post("/inventory/counts/{count_id}/post", response_model=out.StockCountOut)
def post_count(count_id: str, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor, lambda c: counts.post_count(c, count_id))


@router.post("/inventory/counts/{count_id}/cancel", response_model=out.StockCountOut)
def cancel_count(count_id: str, request: Request, actor: Writer) -> Response:
    return commands.run(request, actor, lambda c: counts.cancel_count(c, count_id))


async def _import_body(request: Request, dry_run: bool) -> StockImport:
    """text/csv: the file itself; application/json: {"csv": "...", "dry_run": ...} (the query
    parameter wins when both are given)."""
    raw = await request.body()
    if len(raw) > MAX_IMPORT_BYTES:
        raise ValidationFailed("The file is too large",
                               [FieldError("body", "too_large", "at most 2 MB")])
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            return StockImport.model_validate({**orjson.loads(raw), "dry_run": dry_run})
        except (orjson.JSONDecodeError, TypeError, PydanticValidationError) as e:
            raise ValidationFailed("The body must be {\"csv\": \"...\"}",
                                   [FieldError("csv", "invalid", str(e)[:200])]) from None
    if kind not in ("text/csv", "text/plain", ""):
        raise ValidationFailed("Send the file as text/csv (or JSON {\"csv\": ...})",
                               [FieldError("content-type", "unsupported", kind)])
    try:
        return StockImport(csv=raw.decode("utf-8"), dry_run=dry_run)
    except UnicodeDecodeError:
        raise ValidationFailed("The file must be UTF-8 text",
                               [FieldError("body", "not_utf8", "not UTF-8")]) from None
    except PydanticValidationError as e:  # e.g. a NUL character (core/schema.py Input)
        message = str(e.errors()[0].get("msg", "invalid")).removeprefix("Value error, ")
        raise ValidationFailed("The file cannot be imported",
                               [FieldError("csv", "invalid", message)]) from None


@router.post("/inventory/imports", response_model=out.StockImportOut)
async def import_stock(request: Request, actor: Writer, dry_run: bool = True) -> Response:
    """Import absolute on-hand counts (`sku,location,on_hand`, location by code). dry_run=true
    (the default) reports what would change; dry_run=false applies every row or none."""
    try:
        body = await _import_body(request, dry_run)
    except ValidationFailed as e:
        status, problem = domain_problem(e, request.url.path)
        return problem_response(status, problem)
    return await run_in_threadpool(
        commands.run, request, actor,
        lambda c: imports.import_stock(c, body.csv, dry_run=body.dry_run), body=body)
