"""Security headers on every response, pages and API alike.

The dashboard pages load only their own scripts and styles from ``/static`` (Plotly.js included,
from the installed package) and read only this origin's API, so the policy allows nothing else:
no inline or foreign scripts, no framing (clickjacking), no MIME sniffing, no referrer. Plotly
draws with inline styles and ``data:``/``blob:`` images (its PNG export), which the policy allows.
A response that sets its own ``Content-Security-Policy`` (the API docs pages, whose one inline
script is allowed by its hash) keeps it.
"""

from __future__ import annotations

from collections.abc import Sequence

from api.middleware.limits import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(script_hashes: Sequence[str] = ()) -> str:
    """The policy: this origin only; `script_hashes` (``sha256-…`` of inline scripts a page
    needs) are allowed besides the origin's script files."""
    scripts = " ".join(["'self'", *(f"'{digest}'" for digest in script_hashes)])
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


CONTENT_SECURITY_POLICY = content_security_policy()
"""The policy of every page and answer that sets none of its own."""
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
"""Header names (lower case) and values added to every response that lacks them."""


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in SECURITY_HEADERS if item[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
