"""Static files (console and API docs assets) go out compressed and with caching headers."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

import pesanan.web

STATIC = Path(pesanan.web.__file__).parent / "static"


def test_a_vendored_file_is_gzipped_and_cached_as_immutable(client: TestClient) -> None:
    resp = client.get("/static/vendor/htmx-2.0.11.min.js", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200
    assert resp.headers["content-encoding"] == "gzip"
    assert resp.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert resp.headers["vary"] == "Accept-Encoding"
    raw = (STATIC / "vendor" / "htmx-2.0.11.min.js").read_bytes()
    assert resp.content == raw  # httpx decodes the gzip body: the same bytes arrive
    assert int(resp.headers["content-length"]) < len(raw) // 2


def test_our_own_stylesheet_is_revalidated_with_its_etag(client: TestClient) -> None:
    first = client.get("/static/app.css", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-cache"
    assert first.headers["content-encoding"] == "gzip"
    again = client.get("/static/app.css", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["cache-control"] == "no-cache"


def test_a_client_without_gzip_gets_the_plain_file(client: TestClient) -> None:
    resp = client.get("/static/app.css", headers={"Accept-Encoding": "identity"})
    assert resp.status_code == 200
    assert "content-encoding" not in resp.headers
    assert resp.content == (STATIC / "app.css").read_bytes()


def test_every_vendored_file_has_a_version_in_its_path() -> None:
    """`immutable` is only safe while a new version gets a new URL."""
    files = [p.relative_to(STATIC / "vendor") for p in (STATIC / "vendor").rglob("*")
             if p.is_file()]
    assert len(files) >= 5
    unversioned = [str(f) for f in files if not re.search(r"-\d+\.\d+\.\d+", str(f))]
    assert unversioned == []


def test_the_console_links_its_assets_where_they_are_served(client: TestClient) -> None:
    html = client.get("/login").text
    links = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert len(links) == 4
    assert [client.get(u).status_code for u in links] == [200, 200, 200, 200]
