"""Console pages for stock states: transfers, cycle counts, the CSV import with its dry run.

Mounted by views/inventory.py (same /inventory area, same permissions). Views parse the form
into the API's input schemas, run one service command, and redirect (303) to what changed;
a refusal shows the page again with the messages beside their fields and changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError
from pesanan.inventory import count_queries, counts, imports, queries, transfer_queries, transfers
from pesanan.inventory.schemas import CountCreate, TransferCreate, TransferReceive
from pesanan.purchasing import levels as purchasing_levels
from pesanan.web.deps import PostedForm, check_csrf, execute, page, read, render
from pesanan.web.forms import domain_errors, parse

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("inventory:read"))]
Writer = Annotated[Actor, Depends(page("inventory:write"))]
BLANK_ROWS = 6


def _locations(request: Request) -> list[dict[str, Any]]:
    return list(read(request, lambda c: queries.list_locations(c, limit=250))["items"])


def _rows(form: FormData, *names: str) -> list[dict[str, str]]:
    """Repeated inputs (sku, quantity, …) zipped into rows; wholly blank rows dropped."""
    cols = [[str(v).strip() for v in form.getlist(n)] for n in names]
    rows = [dict(zip(names, vals, strict=False)) for vals in zip(*cols, strict=False)]
    return [r for r in rows if any(r.values())]


# --- transfers ------------------------------------------------------------------------------

def _transfers_page(request: Request, status: str | None, cursor: str | None,
                    form: dict[str, Any], errors: dict[str, str], code: int = 200) -> Response:
    listing = read(request, lambda c: transfer_queries.list_transfers(
        c, status=status, limit=50, cursor=cursor))
    rows = form.get("lines") or []
    return render(request, "inventory/transfers.html", code, transfers=listing, status=status,
                  statuses=transfer_queries.STATUSES, locations=_locations(request), form=form,
                  errors=errors, rows=rows + [{}] * max(BLANK_ROWS - len(rows), 1))


@router.get("/inventory/transfers")
def transfer_list(request: Request, _: Viewer, status: str | None = None,
                  cursor: str | None = None) -> Response:
    try:
        return _transfers_page(request, status or None, cursor, {}, {})
    except DomainError as e:
        return render(request, "error.html", 422, title="Nothing to show", message=e.detail)


@router.post("/inventory/transfers", dependencies=[Depends(check_csrf)])
def transfer_create(request: Request, posted: PostedForm, actor: Writer) -> Response:
    lines = _rows(posted, "sku", "quantity")
    form = {"from_location_id": posted.get("from_location_id") or "",
            "to_location_id": posted.get("to_location_id") or "",
            "note": (str(posted.get("note") or "").strip() or None), "lines": lines}
    cmd, errors = parse(TransferCreate, form)
    if cmd is None:
        return _transfers_page(request, None, None, form, errors, 422)
    try:
        t = execute(request, lambda c: transfers.create_transfer(c, cmd, actor.name))
    except DomainError as e:
        return _transfers_page(request, None, None, form, domain_errors(e), e.status)
    return RedirectResponse(f"/inventory/transfers/{t['id']}", status_code=303)


def _transfer_page(request: Request, transfer_id: str, errors: dict[str, str],
                   code: int = 200, form: dict[str, Any] | None = None) -> Response:
    try:
        t = read(request, lambda c: transfer_queries.get_transfer(c, transfer_id))
    except DomainError as e:
        return render(request, "error.html", 404, title="Not found", message=e.detail)
    return render(request, "inventory/transfer.html", code, t=t, errors=errors,
                  form=form or {})


@router.get("/inventory/transfers/{transfer_id}")
def transfer_detail(request: Request, transfer_id: str, _: Viewer) -> Response:
    return _transfer_page(request, transfer_id, {})


@router.post("/inventory/transfers/{transfer_id}/ship", dependencies=[Depends(check_csrf)])
def transfer_ship(request: Request, transfer_id: str, actor: Writer) -> Response:
    return _transfer_command(request, transfer_id, lambda c: transfers.ship_transfer(
        c, transfer_id, actor.name))


@router.post("/inventory/transfers/{transfer_id}/cancel", dependencies=[Depends(check_csrf)])
def transfer_cancel(request: Request, transfer_id: str, actor: Writer) -> Response:
    return _transfer_command(request, transfer_id, lambda c: transfers.cancel_transfer(
        c, transfer_id, actor.name))


@router.post("/inventory/transfers/{transfer_id}/receive", dependencies=[Depends(check_csrf)])
def transfer_receive(request: Request, transfer_id: str, posted: PostedForm,
                     actor: Writer) -> Response:
    """Received quantities per SKU (blank = none of it); the "all" button receives everything
    still in transit."""
    lines = [] if posted.get("all") else [
        r for r in _rows(posted, "sku", "quantity") if r.get("quantity") not in ("", "0")]
    form = {r["sku"]: r.get("quantity", "") for r in _rows(posted, "sku", "quantity")}
    if not posted.get("all") and not lines:
        return _transfer_page(request, transfer_id,
                              {"form": "Enter the units that arrived."}, 422, form)
    cmd, errors = parse(TransferReceive, {"lines": lines})
    if cmd is None:
        return _transfer_page(request, transfer_id, _by_sku(errors, lines, "qty"), 422, form)
    return _transfer_command(request, transfer_id, lambda c: transfers.receive_transfer(
        c, transfer_id, cmd, actor.name), form, lines)


def _transfer_command(request: Request, transfer_id: str, fn: Any,
                      form: dict[str, Any] | None = None,
                      lines: list[dict[str, str]] | None = None) -> Response:
    try:
        execute(request, fn)
    except DomainError as e:
        errors = _by_sku(domain_errors(e), lines, "qty") if lines else domain_errors(e)
        return _transfer_page(request, transfer_id, errors, e.status, form)
    return RedirectResponse(f"/inventory/transfers/{transfer_id}", status_code=303)


# --- cycle counts ---------------------------------------------------------------------------

def _counts_page(request: Request, location_id: str | None, form: dict[str, Any],
                 errors: dict[str, str], code: int = 200) -> Response:
    listing = read(request, lambda c: count_queries.list_counts(c, limit=50))
    levels = read(request, lambda c: purchasing_levels.stock_levels(
        c, location_id=location_id, limit=250)) if location_id else None
    return render(request, "inventory/counts.html", code, counts=listing, levels=levels,
                  location_id=location_id, locations=_locations(request), form=form,
                  errors=errors)


@router.get("/inventory/counts")
def count_list(request: Request, _: Viewer, location_id: str | None = None) -> Response:
    return _counts_page(request, location_id or None, {}, {})


@router.post("/inventory/counts", dependencies=[Depends(check_csrf)])
def count_record(request: Request, posted: PostedForm, _: Writer) -> Response:
    """Counted quantities for the SKUs at the location (blank = not counted). "Record and
    post" posts the differences in the same transaction."""
    location_id = str(posted.get("location_id") or "")
    rows = [r for r in _rows(posted, "sku", "counted") if r.get("counted")]
    form = {r["sku"]: r["counted"] for r in _rows(posted, "sku", "counted")}
    if not rows:
        return _counts_page(request, location_id or None, form,
                            {"form": "Enter at least one counted quantity."}, 422)
    cmd, errors = parse(CountCreate, {"location_id": location_id, "lines": rows,
                                      "post": bool(posted.get("post"))})
    if cmd is None:
        return _counts_page(request, location_id, form, _by_sku(errors, rows, "counted"), 422)
    try:
        c = execute(request, lambda conn: counts.record_count(conn, cmd))
    except DomainError as e:
        return _counts_page(request, location_id, form,
                            _by_sku(domain_errors(e), rows, "counted"), e.status)
    return RedirectResponse(f"/inventory/counts/{c['id']}", status_code=303)


def _by_sku(errors: dict[str, str], rows: list[dict[str, str]], prefix: str
            ) -> dict[str, str]:
    """lines[i].<field> -> <prefix>-<sku>: the posted rows skip blanks, so their index is not
    the row on the page; the SKU puts the message beside the right input."""
    out: dict[str, str] = {}
    for name, msg in errors.items():
        if name.startswith("lines[") and "]" in name:
            i = int(name[6:name.index("]")])
            name = f"{prefix}-{rows[i]['sku']}" if i < len(rows) else "form"
        out.setdefault(name, msg)
    return out


@router.get("/inventory/counts/{count_id}")
def count_detail(request: Request, count_id: str, _: Viewer) -> Response:
    return _count_page(request, count_id, {})


def _count_page(request: Request, count_id: str, errors: dict[str, str],
                code: int = 200) -> Response:
    try:
        c = read(request, lambda conn: count_queries.get_count(conn, count_id))
    except DomainError as e:
        return render(request, "error.html", 404, title="Not found", message=e.detail)
    named = {}
    for name, msg in errors.items():
        if name.startswith("lines[") and "]" in name:
            i = int(name[6:name.index("]")])
            name = f"line-{i}"
        named[name] = msg
    return render(request, "inventory/count.html", code, c=c, errors=named)


@router.post("/inventory/counts/{count_id}/{action}", dependencies=[Depends(check_csrf)])
def count_action(request: Request, count_id: str, action: str, _: Writer) -> Response:
    fn = {"post": counts.post_count, "cancel": counts.cancel_count}.get(action)
    if fn is None:
        return render(request, "error.html", 404, title="Not found", message="No such action.")
    try:
        execute(request, lambda conn: fn(conn, count_id))
    except DomainError as e:
        return _count_page(request, count_id, domain_errors(e), e.status)
    return RedirectResponse(f"/inventory/counts/{count_id}", status_code=303)


# --- CSV import -----------------------------------------------------------------------------

@router.get("/inventory/import")
def import_form(request: Request, _: Viewer) -> Response:
    return render(request, "inventory/import.html", report=None, csv_text="", errors={})


def _csv_of(posted: FormData) -> str:
    upload = posted.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        return upload.file.read(2_000_001).decode("utf-8-sig", errors="replace")
    return str(posted.get("csv") or "")


@router.post("/inventory/import", dependencies=[Depends(check_csrf)])
def import_run(request: Request, posted: PostedForm, _: Writer) -> Response:
    """First post: the dry run (nothing changes), shown as a table with an Apply button that
    posts the same text back; applying is all rows or none."""
    text = _csv_of(posted)
    if not text.strip():
        return render(request, "inventory/import.html", 422, report=None, csv_text="",
                      errors={"file": "Choose a CSV file or paste its text."})
    if len(text) > 2_000_000:
        return render(request, "inventory/import.html", 422, report=None, csv_text="",
                      errors={"file": "The file is too large (at most 2 MB)."})
    apply = bool(posted.get("apply"))
    try:
        report = execute(request, lambda c: imports.import_stock(c, text, dry_run=not apply))
    except DomainError as e:
        report = execute(request, lambda c: imports.import_stock(c, text, dry_run=True))
        return render(request, "inventory/import.html", e.status, report=report,
                      csv_text=text, errors={"form": e.detail})
    return render(request, "inventory/import.html", report=report, csv_text=text, errors={})
