"""The web app. For now a status page: what the workspace holds, whether the audit chain
verifies, and a banner when the data is synthetic. It reads no protected value, so it
needs no key; sign-in and the case pages build on this app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from refwatch import __version__
from refwatch.store.stats import workspace_stats
from refwatch.store.workspace import Workspace, open_workspace

TEMPLATES = Jinja2Templates(directory=str(resources.files("refwatch.web") / "templates"))
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def create_app(workspace_path: Path, db_url: str | None = None) -> FastAPI:
    state: dict[str, Workspace] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state["workspace"] = open_workspace(workspace_path, db_url)
        try:
            yield
        finally:
            state["workspace"].close()

    app = FastAPI(title="RefWatch", version=__version__, lifespan=lifespan)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.get("/", response_class=HTMLResponse)
    def status_page(request: Request) -> HTMLResponse:
        workspace = state["workspace"]
        stats = workspace_stats(workspace)
        chain = workspace.verify_audit()
        return TEMPLATES.TemplateResponse(
            request, "status.html", {"stats": stats, "chain": chain, "version": __version__}
        )

    @app.get("/api/v1/status")
    def status_api() -> dict[str, object]:
        workspace = state["workspace"]
        return {**workspace_stats(workspace), "audit": workspace.verify_audit().as_dict()}

    return app
