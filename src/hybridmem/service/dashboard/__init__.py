"""The memory dashboard: a static page at ``/`` and its assets under ``/static``.

The page is a client of the documented JSON API (nothing here reads memory itself): plain
ES modules, no build step, cytoscape vendored for the graph. The JWT lives in the tab's
``sessionStorage`` and goes out as ``Authorization: Bearer``; no cookie is ever set, so
there is no CSRF surface, and a strict Content-Security-Policy (everything from 'self',
no inline script or style) is the second line against script injection.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # Revalidate every time (cheap: ETag / Last-Modified), so an upgrade never mixes
    # old and new modules in a browser cache.
    "Cache-Control": "no-cache",
}


def mount_dashboard(app: FastAPI) -> None:
    """Serve the dashboard at ``/`` and its files at ``/static``."""
    files = StaticFiles(directory=STATIC_DIR)

    @app.get("/", include_in_schema=False)
    async def dashboard() -> FileResponse:
        return FileResponse(
            STATIC_DIR / "index.html", media_type="text/html", headers=SECURITY_HEADERS
        )

    # A route rather than a mount, so metrics and the access log name it
    # ("/static/{path:path}") instead of counting every file as "unmatched".
    @app.api_route("/static/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def dashboard_file(path: str, request: Request) -> Response:
        # StaticFiles refuses anything resolving outside STATIC_DIR ("../") with a 404,
        # and answers conditional requests (ETag, Last-Modified) with 304.
        relative = posixpath.normpath(path or ".")  # a string operation: no I/O
        response = await files.get_response(relative, request.scope)
        response.headers.update(SECURITY_HEADERS)
        return response
