"""The API's documentation pages, served without a CDN: ``/docs`` (Swagger UI) and ``/redoc``
(ReDoc) load their scripts and styles from the installed ``fastapi-offline`` package under
``/docs/assets``, so they work on a machine with no internet access.

Swagger UI starts from one inline script; its page allows exactly that script by its hash in its
own ``Content-Security-Policy`` (every other page allows none, :mod:`api.middleware.headers`).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import re
from pathlib import Path

from fastapi import FastAPI, HTTPException, status
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from api.middleware.headers import content_security_policy

ASSETS_URL = "/docs/assets"
"""Where the documentation pages' scripts and styles are served."""
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
"""The files served (and their media types): nothing else of the package folder."""
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def assets_dir() -> Path:
    """The folder of Swagger UI's and ReDoc's files in the installed ``fastapi-offline``."""
    return Path(str(importlib.resources.files("fastapi_offline") / "static"))


def _with_own_policy(html: str) -> HTMLResponse:
    """`html` with a policy that allows its inline scripts, by hash, and nothing else inline."""
    digests = [
        "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        for script in _INLINE_SCRIPT.findall(html)
    ]
    return HTMLResponse(html, headers={"Content-Security-Policy": content_security_policy(digests)})


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs``, ``/redoc`` and their assets on `app` (made with ``docs_url=None`` and
    ``redoc_url=None``, so FastAPI's CDN-loading pages are not there)."""
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def read_swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            oauth2_redirect_url=None,
            swagger_ui_parameters=app.swagger_ui_parameters,
        )
        return _with_own_policy(bytes(page.body).decode())

    @app.get("/redoc", include_in_schema=False)
    def read_redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
        return _with_own_policy(bytes(page.body).decode())

    @app.get(ASSETS_URL + "/{name}", include_in_schema=False)
    def read_docs_asset(name: str) -> FileResponse:
        if name not in ASSET_TYPES:
            raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="no such file")
        return FileResponse(assets_dir() / name, media_type=ASSET_TYPES[name])
