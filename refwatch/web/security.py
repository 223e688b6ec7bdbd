"""Headers on every answer: a strict Content-Security-Policy, no framing, no sniffing, no
referrer, and `Cache-Control: no-store` on everything but the static assets (pages and
JSON may carry personal data; no browser or proxy cache should keep them).

Scripts come only from this origin (no inline script, no eval). Styles also allow inline
style attributes, which Leaflet and vega-embed set on the elements they draw.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from refwatch.web import i18n
from refwatch.web.asgi import HttpMiddleware

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
STATIC_PREFIXES = ("/static/", "/assets/")
LANG_COOKIE_AGE = 365 * 24 * 3600


class SecurityHeaders(HttpMiddleware):
    """Pure ASGI middleware (no body buffering) adding the headers and queued cookies."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        static = path.startswith(STATIC_PREFIXES)
        state: dict[str, object] = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                headers["Cache-Control"] = "public, max-age=3600" if static else "no-store"
                if not static:
                    headers.append("Vary", "Cookie")
                queued = state.get("set_cookies")
                if isinstance(queued, list):
                    for cookie in queued:
                        headers.append("Set-Cookie", str(cookie))
                lang = _asked_language(scope)
                if lang is not None:
                    headers.append(
                        "Set-Cookie",
                        f"{i18n.COOKIE}={lang}; Path=/; Max-Age={LANG_COOKIE_AGE}; SameSite=Lax",
                    )
            await send(message)

        if _has_nul(scope):
            # No id, name or filter holds a NUL, and PostgreSQL refuses one mid-query: answer
            # once, for every route, the way a missing object answers.
            await JSONResponse({"detail": "Not Found"}, status_code=404)(
                scope, receive, send_with_headers
            )
            return
        await self.app(scope, receive, send_with_headers)


MAX_BODY = 4 * 1024 * 1024
TOO_LARGE = "The request is too large."


class BodyLimit(HttpMiddleware):
    """Pure ASGI middleware: no request body is larger than its route allows, checked
    before anything parses it (the CSRF check, a form, a JSON body).

    A body whose Content-Length says it is too large is refused at once with 413, unread;
    a body sent without one (chunked) is counted as it is read and refused with 413 as
    soon as it passes the limit. `larger` names the few paths that may take more (the
    case-list upload, which reads its body only after the sender is authenticated)."""

    def __init__(
        self, app: ASGIApp, default: int = MAX_BODY, larger: dict[str, int] | None = None
    ) -> None:
        super().__init__(app)
        self.default = default
        self.larger = dict(larger or {})

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.larger.get(scope.get("path", ""), self.default)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await JSONResponse({"detail": TOO_LARGE}, status_code=413)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, TOO_LARGE)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


def _has_nul(scope: Scope) -> bool:
    raw_path = scope.get("raw_path") or b""
    query = scope.get("query_string") or b""
    return (
        "\x00" in scope.get("path", "") or b"%00" in raw_path or b"%00" in query or b"\x00" in query
    )


def _asked_language(scope: Scope) -> str | None:
    query: bytes = scope.get("query_string", b"")
    for part in query.split(b"&"):
        name, _, value = part.partition(b"=")
        if name == b"lang" and value.decode("ascii", "replace") in i18n.LANGUAGES:
            return value.decode("ascii")
    return None
