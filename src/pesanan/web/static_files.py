"""The console's static files (and the API docs' assets): compressed, and cached by a rule
that cannot serve a stale file.

- `vendor/` holds third-party files whose path names their version (`htmx-2.0.11.min.js`,
  `swagger-ui-dist-5.35.0/…`): a new version is a new URL, so browsers may keep them a year
  without asking again (`immutable`).
- Our own files (`app.css`) keep their URL across releases, so browsers revalidate each use
  (`no-cache`): the ETag Starlette sets answers 304 Not Modified with no body until it changes.
"""

from __future__ import annotations

import os

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import ASGIApp, Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Below about a kilobyte gzip saves less than a packet and costs CPU for nothing.
GZIP_MINIMUM_BYTES = 1024


class CachedStaticFiles(StaticFiles):
    def file_response(self, full_path: PathLike, stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        versioned = self.get_path(scope).replace(os.sep, "/").startswith("vendor/")
        response.headers["Cache-Control"] = IMMUTABLE if versioned else REVALIDATE
        return response


def static_app(directory: str) -> ASGIApp:
    """Only static files are compressed: API responses are small and place-order is CPU-bound,
    so a global GZipMiddleware would spend on every order what it saves on a stylesheet."""
    return GZipMiddleware(CachedStaticFiles(directory=directory),
                          minimum_size=GZIP_MINIMUM_BYTES)
