"""Error answers: a short page (or JSON under /api/) and never a stack trace.

Expected RefWatch errors show their message, which by design never holds a protected value.
A 401 on a page sends the browser to the sign-in form. Validation errors list the fields
but do not echo what was sent (it could be a name). Unexpected errors are logged as the
exception's class and the frames it passed through, without its message or locals, and
the user gets a page with an incident time to quote.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import Message, Receive, Scope, Send

from refwatch.domain.errors import ConflictError, RefWatchError
from refwatch.store.timeutil import now_utc
from refwatch.web.asgi import HttpMiddleware
from refwatch.web.i18n import error_text
from refwatch.web.templating import gettext, render

log = logging.getLogger("refwatch.web")

TITLES = {
    400: "The request could not be used",
    401: "Sign in first",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Someone else changed this first",
    413: "Too large",
    422: "Some fields need attention",
    429: "Too many attempts",
    500: "Something went wrong",
}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(
    request: Request, status: int, message: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    if wants_json(request):
        return JSONResponse(
            {"detail": message or TITLES.get(status, "error")}, status_code=status, headers=headers
        )
    title = gettext(request, TITLES.get(status, "Error"))
    response = render(
        request,
        "error.html",
        {"status": status, "title": title, "message": message},
        status_code=status,
    )
    if headers:
        response.headers.update(headers)
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 401 and not wants_json(request) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != _default(exc) else None
    headers = dict(exc.headers) if exc.headers else None
    return error_response(request, exc.status_code, detail, headers)


def _default(exc: HTTPException) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(exc.status_code).phrase
    except ValueError:
        return ""


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    fields: list[dict[str, Any]] = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    if wants_json(request):
        return JSONResponse({"detail": fields}, status_code=422)
    names = ", ".join(str(f["loc"][-1]) for f in fields if f["loc"])
    return error_response(request, 422, names or None)


async def refwatch_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RefWatchError)
    # Pages speak the reader's language; the API answers in English for scripts.
    message = str(exc) if request.url.path.startswith("/api/") else error_text(request, exc)
    return error_response(request, 409 if isinstance(exc, ConflictError) else 400, message)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    incident = now_utc().strftime("%Y%m%dT%H%M%S.%fZ")
    frames = " < ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}"
        for f in reversed(traceback.extract_tb(exc.__traceback__))
    )
    log.error(
        "unexpected %s on %s %s (incident %s) at %s",
        type(exc).__name__,
        request.method,
        request.url.path,
        incident,
        frames,
    )
    try:
        message = gettext(
            request, "Incident %(incident)s was logged for the admin.", incident=incident
        )
        return error_response(request, 500, message)
    except Exception:  # the error page itself failed: answer in plain text
        log.error("the error page failed too (incident %s)", incident)
        return PlainTextResponse(f"Something went wrong (incident {incident}).", status_code=500)


class CatchAll(HttpMiddleware):
    """Turn an exception no handler took into the 500 page, and stop it there.

    Left to Starlette, the exception would reach the server, which logs it with its
    message (and a message can quote data); here only the class and frames are logged.
    """

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:
                log.error("unexpected %s after the answer began", type(exc).__name__)
                return
            response = await unexpected_error(Request(scope), exc)
            await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(RefWatchError, refwatch_error)
