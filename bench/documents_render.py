"""PDF rendering benchmark (issue 12: a 200-line invoice in under 1 s).

Builds a fresh SQLite database in a temporary directory (migrated), makes 200 products with
stock, one order of 200 lines through the API in process, invoices it, then renders its PDF
N times through pesanan.documents.render.invoice_pdf (the function the API and the mail use:
the reads and the rendering) and prints min / p50 / max wall time and CPU time per render,
the page count and the PDF's size.

    .venv/bin/python bench/documents_render.py            # 200 lines, 10 renders
    .venv/bin/python bench/documents_render.py --lines 500 --n 5
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from pypdf import PdfReader

from pesanan.app import create_app
from pesanan.auth import service as auth
from pesanan.bootstrap import build
from pesanan.config import Settings
from pesanan.db.migrate import upgrade
from pesanan.documents import render


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=200)
    ap.add_argument("--n", type=int, default=10)
    args = ap.parse_args()
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='pesanan-bench-docs-')) / 'bench.db'}"
    upgrade(url)
    container = build(Settings(database_url=url, rate_limit_api=""))
    with container.engine.begin() as conn:
        _, key = auth.create_api_key(conn, "bench", "admin")
    h = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(container)) as client:
        def post(path: str, body: object) -> dict[str, object]:
            resp = client.post(f"/api/v1{path}", json=body, headers=h)
            assert resp.status_code in (200, 201), resp.text
            out: dict[str, object] = resp.json()
            return out

        wh = post("/locations", {"code": "WH", "name": "Warehouse", "kind": "warehouse"})
        skus = [f"KOPI-{i:04d}" for i in range(args.lines)]
        for i, sku in enumerate(skus):
            post("/products", {"sku": sku, "name": f"Kopi Arabika Gayo giling halus {i}",
                               "price": f"{25000 + i * 125}.00", "currency": "IDR",
                               "tax_rate": "0.11", "standard_cost": "15000.00"})
            post("/inventory/adjustments", {"sku": sku, "location_id": wh["id"],
                                            "quantity": 50, "reason": "opening count"})
        buyer = post("/customers", {"name": "Toko Sinar Jaya", "email": "sinar@example.com"})
        order = post("/orders", {"channel": "web", "customer_id": buyer["id"],
                                 "lines": [{"sku": s, "quantity": 3} for s in skus]})
        inv = post(f"/orders/{order['id']}/invoices", {})
    walls, cpus = [], []
    pdf = b""
    for _ in range(args.n + 1):  # the first render warms up fonts and templates: not counted
        with container.read_engine.connect() as conn:
            w, c = time.perf_counter(), time.process_time()
            pdf = render.invoice_pdf(conn, str(inv["id"]))
            walls.append(time.perf_counter() - w)
            cpus.append(time.process_time() - c)
    walls, cpus = walls[1:], cpus[1:]
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"invoice of {args.lines} lines: {pages} pages, {len(pdf) / 1024:.0f} KiB")
    print(f"wall per render: min {min(walls) * 1000:.0f} ms, p50 "
          f"{statistics.median(walls) * 1000:.0f} ms, max {max(walls) * 1000:.0f} ms "
          f"(n={args.n})")
    print(f"CPU per render: p50 {statistics.median(cpus) * 1000:.0f} ms")
    container.close()


if __name__ == "__main__":
    main()
