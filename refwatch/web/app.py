"""The web app: FastAPI over one workspace, pages from every module in `web.routes`.

`create_app` builds the app; the workspace is opened (and, given the secret, unlocked) when
the app starts. The unlocked field cipher lives in memory only and is handed to a request
only when its user's role may see names (`deps.get_cipher`). Around every route: the
CSRF check (an app-wide dependency), the security headers, error pages without stack
traces. See docs/web.md.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from anyio import to_thread
from argon2 import PasswordHasher
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from starlette.formparsers import MultiPartParser
from starlette.routing import BaseRoute, Route

import refwatch
from refwatch import __version__
from refwatch.accounts import websessions
from refwatch.accounts.passwords import DEFAULT_HASHER
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import KeyRing, Secret
from refwatch.store.schema import WorkspaceMeta, table_of
from refwatch.store.timeutil import now_utc
from refwatch.store.workspace import Workspace, open_workspace
from refwatch.web import errors, routes
from refwatch.web.deps import check_csrf
from refwatch.web.logs import AccessLog, WorkerHeader
from refwatch.web.pending_uploads import UploadStore
from refwatch.web.routes.intake import MAX_UPLOAD
from refwatch.web.security import BodyLimit, SecurityHeaders

# A form posted as multipart/form-data may carry a case list with names; Starlette would
# spool any part over 1 MiB to a temporary file on disk. Keep parts in memory instead.
MultiPartParser.spool_max_size = 64 * 1024 * 1024

OPENAPI_URL = "/api/v1/openapi.json"


def node_modules_dir() -> Path:
    """Where npm put the browser assets: $REFWATCH_ASSETS, else beside the package."""
    configured = os.environ.get("REFWATCH_ASSETS")
    if configured:
        return Path(configured)
    return Path(refwatch.__file__).resolve().parents[1] / "node_modules"


def leaflet_dir() -> Path:
    module = importlib.import_module("xstatic.pkg.leaflet")
    return Path(str(module.BASE_DIR))


def route_modules() -> list[str]:
    return sorted(
        f"{routes.__name__}.{info.name}"
        for info in pkgutil.iter_modules(routes.__path__)
        if not info.name.startswith("_")
    )


def include_routes(app: FastAPI) -> None:
    """Include the `router` of every module in `refwatch.web.routes`."""
    seen: dict[tuple[str, str], str] = {}
    for name in route_modules():
        module = importlib.import_module(name)
        router = getattr(module, "router", None)
        if not isinstance(router, APIRouter):
            raise RuntimeError(f"{name} defines no `router` (an APIRouter)")
        for route in router.routes:
            if isinstance(route, Route):
                for method in route.methods or ():
                    key = (method, route.path)
                    if key in seen:
                        raise RuntimeError(
                            f"{method} {route.path} is defined in both {seen[key]} and {name}"
                        )
                    seen[key] = name
        app.include_router(router)


def all_routes(routes: list[BaseRoute]) -> list[Route]:
    """Every endpoint route, looking inside included routers (FastAPI keeps those nested)."""
    found: list[Route] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if isinstance(inner, APIRouter):
            found.extend(all_routes(inner.routes))
        elif isinstance(route, Route):
            found.append(route)
    return found


def page_paths(routes: list[BaseRoute]) -> frozenset[str]:
    return frozenset(
        r.path for r in all_routes(routes) if isinstance(r, APIRoute) and "GET" in (r.methods or ())
    )


def _is_synthetic(workspace: Workspace) -> bool:
    meta = table_of(WorkspaceMeta)
    with workspace.read() as conn:
        value = conn.execute(
            select(meta.c.value).where(meta.c.key == "synthetic")
        ).scalar_one_or_none()
    return value == "true"


def _limit_threads(request_threads: int | None) -> None:
    if request_threads is not None:
        to_thread.current_default_thread_limiter().total_tokens = request_threads


def create_app(
    workspace_path: Path,
    db_url: str | None = None,
    *,
    secret: Secret | None = None,
    password_hasher: PasswordHasher | None = None,
    session_policy: websessions.SessionPolicy | None = None,
    keys: KeyRing | None = None,
    csrf_key: bytes | None = None,
    access_log: bool = False,
    worker_header: bool = False,
    pending_uploads: UploadStore | None = None,
    request_threads: int | None = None,
) -> FastAPI:
    """The RefWatch web app for the workspace at `workspace_path`.

    Without `secret` or `keys` the app runs, but no page can show a name or report text.
    `keys` (data keys already unwrapped) and `csrf_key` are what `refwatch serve` hands to
    each of its workers (`web.serving`): every worker must sign pre-session CSRF tokens
    with the same key. `access_log` adds one log line per request (by route template);
    `worker_header` is for tests of several workers only; `request_threads`: see serving.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        workspace = open_workspace(workspace_path, db_url)
        _limit_threads(request_threads)
        try:
            if keys is not None:
                app.state.cipher = FieldCipher(keys)
            elif secret is not None:
                app.state.cipher = FieldCipher(workspace.unlock(secret))
            app.state.synthetic = _is_synthetic(workspace)
            with workspace.write() as conn:
                websessions.purge_expired(conn, app.state.clock(), app.state.session_policy)
            app.state.workspace = workspace
            yield
        finally:
            app.state.cipher = None
            workspace.close()

    app = FastAPI(
        title="RefWatch",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=OPENAPI_URL,
        dependencies=[Depends(check_csrf)],
    )
    app.state.clock = now_utc
    app.state.csrf_key = csrf_key or secrets.token_bytes(32)
    app.state.password_hasher = password_hasher or DEFAULT_HASHER
    app.state.session_policy = session_policy or websessions.SessionPolicy()
    app.state.cipher = None
    app.state.synthetic = False
    app.state.permission_log = None
    if pending_uploads is not None:  # several workers: the one store they share
        app.state.pending_uploads = pending_uploads
    include_routes(app)
    app.state.page_paths = page_paths(app.routes)
    app.mount(
        "/static",
        StaticFiles(directory=str(resources.files("refwatch.web") / "static")),
        name="static",
    )
    app.mount("/assets/npm", StaticFiles(directory=node_modules_dir(), check_dir=False), name="npm")
    app.mount("/assets/leaflet", StaticFiles(directory=leaflet_dir()), name="leaflet")
    errors.install(app)
    # Before anything reads a body: 4 MiB for a form or JSON, the upload's own limit for
    # the case-list upload (read by its route only after the sender is authenticated).
    app.add_middleware(BodyLimit, larger={"/intake/upload": MAX_UPLOAD})
    app.add_middleware(errors.CatchAll)
    app.add_middleware(SecurityHeaders)
    if access_log:
        app.add_middleware(AccessLog)
    if worker_header:
        app.add_middleware(WorkerHeader)
    return app
