"""Record linkage in the web app: run it, review the uncertain pairs, undo an answer.

The page shows the latest runs (recorded by `run_linkage` itself in `linkage_runs`), a
button that starts a run in a background thread (`linkage_runner`: one at a time; the
status partial is polled by htmx), the review queue of the latest run side by side with
the evidence and the match weights behind each score, and the recent decisions with an
Undo button. Everything goes through `refwatch.linkage`, as `refwatch link` and
`refwatch review` do: names are decrypted only for roles holding `names.view`, and every
such read is audited by the library (`linkage.read_names`, `linkage.read_reasons`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from refwatch.domain.errors import ConflictError, RefWatchError
from refwatch.linkage import Decision, decide, list_decisions, review_queue, undo_decision
from refwatch.linkage.run_lock import held_elsewhere
from refwatch.store import schema_linkage
from refwatch.store.queries import links
from refwatch.store.schema import table_of
from refwatch.web import evidence_format, i18n  # noqa: F401 (registers template helpers)
from refwatch.web.caches import app_object
from refwatch.web.deps import User, get_cipher, get_workspace
from refwatch.web.linkage_runner import LinkageRunner, RunProgress
from refwatch.web.roles import LinkageReview, LinkageRun
from refwatch.web.templating import gettext, render

QUEUE_LIMIT = 20
RUNS_SHOWN = 10
DECISIONS_SHOWN = 30
ANSWERS: dict[str, bool | None] = {"same": True, "different": False, "skip": None}
runs = table_of(schema_linkage.LinkageRun)


@asynccontextmanager
async def _stop_runs_at_shutdown(app: FastAPI) -> AsyncIterator[None]:
    """Inside the app's own lifespan: a run in progress stops before the workspace closes."""
    try:
        yield
    finally:
        runner = getattr(app.state, "linkage_runner", None)
        if isinstance(runner, LinkageRunner):
            await run_in_threadpool(runner.stop)


router = APIRouter(include_in_schema=False, lifespan=_stop_runs_at_shutdown)


def runner_of(request: Request) -> LinkageRunner:
    """This app's runner (made the first time a page asks)."""
    return app_object(request, "linkage_runner", LinkageRunner, LinkageRunner)


def when(moment: datetime | None) -> str:
    """A moment (aware: the store reads them as UTC) as "2024-05-01 14:03" in UTC."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def who(actor: str) -> str:
    return actor.removeprefix("web:")


@dataclass(frozen=True)
class RunRow:
    """One recorded run as the page lists it (counts only)."""

    id: str
    started: str
    finished: str
    actor: str
    backend: str
    status: str
    mentions: int
    persons: int
    created: int | None
    retired: int | None
    error: str | None


def recent_runs(request: Request) -> list[RunRow]:
    with get_workspace(request).read() as conn:
        rows = conn.execute(
            select(runs.c.id, runs.c.started_at, runs.c.finished_at, runs.c.actor)
            .add_columns(runs.c.backend, runs.c.status, runs.c.mentions, runs.c.persons)
            .add_columns(runs.c.summary)
            .order_by(runs.c.started_at.desc(), runs.c.id.desc())
            .limit(RUNS_SHOWN)
        ).all()
    found = []
    for row in rows:
        summary: dict[str, Any] = json.loads(row.summary) if row.summary else {}
        found.append(
            RunRow(
                id=row.id,
                started=when(row.started_at),
                finished=when(row.finished_at),
                actor=who(row.actor),
                backend=row.backend,
                status=row.status,
                mentions=int(row.mentions or 0),
                persons=int(row.persons or 0),
                created=summary.get("created"),
                retired=summary.get("retired"),
                error=summary.get("error"),
            )
        )
    return found


@dataclass(frozen=True)
class DecisionRow:
    """A decision as the page lists it; `reason` only for roles that may read it."""

    decision: Decision
    decided: str
    actor: str
    undone: str
    undone_by: str
    person_a: str | None
    person_b: str | None


def recent_decisions(request: Request, user: User) -> list[DecisionRow]:
    """The latest decisions, newest first, with each mention's person now."""
    workspace, cipher = get_workspace(request), get_cipher(request)
    made = list_decisions(workspace)  # no reasons: nothing decrypted, nothing to audit
    if made and cipher is not None:  # reasons for a role that may read them (audited)
        made = list_decisions(workspace, cipher, actor=user.actor)
    shown = list(reversed(made[-DECISIONS_SHOWN:]))
    ids = sorted({m for d in shown for m in (d.mention_a, d.mention_b)})
    with workspace.read() as conn:
        person_of = {
            row.mention_id: row.person_id
            for row in conn.execute(
                select(links.c.mention_id, links.c.person_id).where(links.c.mention_id.in_(ids))
            )
        }
    return [
        DecisionRow(
            decision=d,
            decided=when(d.decided_at),
            actor=who(d.actor),
            undone=when(d.undone_at),
            undone_by=who(d.undone_by or ""),
            person_a=person_of.get(d.mention_a),
            person_b=person_of.get(d.mention_b),
        )
        for d in shown
    ]


def busy_message(request: Request) -> str:
    return gettext(
        request, "A linkage run is already going. Wait for it to finish, then run again."
    )


def status_context(request: Request, message: str | None = None) -> dict[str, Any]:
    progress: RunProgress | None = runner_of(request).progress()
    # A run started through another worker (or `refwatch link`) has its progress there;
    # this worker can still say that one is going.
    idle_here = progress is None or not progress.running
    if message is None and idle_here and held_elsewhere(get_workspace(request)):
        message = busy_message(request)
    return {
        "progress": progress,
        "started": when(progress.started_at) if progress else "",
        "run_message": message,
        "key_loaded": request.app.state.cipher is not None,
    }


def _page(
    request: Request,
    user: User,
    *,
    error: str | None = None,
    run_message: str | None = None,
    status_code: int = 200,
) -> Response:
    cipher = get_cipher(request)
    queue = review_queue(get_workspace(request), cipher, QUEUE_LIMIT, actor=user.actor)
    return render(
        request,
        "linkage.html",
        {
            **status_context(request, run_message),
            "runs": recent_runs(request),
            "queue": queue,
            "decisions": recent_decisions(request, user),
            "names_shown": cipher is not None,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/linkage", response_class=HTMLResponse)
def linkage_page(request: Request, user: LinkageReview) -> Response:
    return _page(request, user)


@router.get("/linkage/status", response_class=HTMLResponse)
def linkage_status(request: Request, user: LinkageReview, watch: int | None = None) -> Response:
    """The run's status (polled every second while it runs).

    `watch` is the number of the run the polling page showed running: once that run has
    ended, the answer asks htmx to reload the page, so the runs, the queue and the
    decisions show the run's result.
    """
    context = status_context(request)
    response = render(request, "linkage_status.html", context)
    progress = context["progress"]
    if watch is not None and (progress is None or progress.number != watch or not progress.running):
        response.headers["HX-Refresh"] = "true"
    return response


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


@router.post("/linkage/run", response_class=HTMLResponse)
def start_run(request: Request, user: LinkageRun) -> Response:
    """Start a linkage run over the whole workspace; 409 while one is running."""
    cipher = get_cipher(request)
    message: str | None = None
    status_code = 200
    if cipher is None:
        message = gettext(
            request, "Linkage compares names, and the server was started without the key."
        )
        status_code = 503
    elif runner_of(request).start(get_workspace(request), cipher, user.actor) is None:
        message = busy_message(request)
        status_code = 409
    if _is_htmx(request):
        return render(request, "linkage_status.html", status_context(request, message), status_code)
    if message is None:
        return RedirectResponse("/linkage", status_code=303)
    return _page(request, user, run_message=message, status_code=status_code)


@router.post("/linkage/decisions", response_class=HTMLResponse)
def answer_pair(
    request: Request,
    user: LinkageReview,
    mention_a: Annotated[str, Form(max_length=36)] = "",
    mention_b: Annotated[str, Form(max_length=36)] = "",
    answer: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    run_id: Annotated[str, Form(max_length=36)] = "",
) -> Response:
    """Same person / not the same / skip, stored as a decision every later run obeys."""
    if answer not in ANSWERS:
        message = gettext(request, "Answer same person, not the same, or skip.")
        return _page(request, user, error=message, status_code=400)
    try:
        decide(
            get_workspace(request),
            mention_a.strip(),
            mention_b.strip(),
            ANSWERS[answer],
            user.actor,
            reason.strip() or None,
            cipher=get_cipher(request),
            run_id=run_id.strip() or None,
        )
    except RefWatchError as exc:
        message = gettext(request, "The answer was not recorded: %(why)s", why=str(exc))
        code = 409 if isinstance(exc, ConflictError) else 400
        return _page(request, user, error=message, status_code=code)
    return RedirectResponse("/linkage#queue", status_code=303)


@router.post("/linkage/decisions/{decision_id}/undo", response_class=HTMLResponse)
def undo_answer(request: Request, decision_id: str, user: LinkageReview) -> Response:
    """Withdraw a decision (audited by the library); the persons follow at the next run."""
    try:
        undo_decision(get_workspace(request), decision_id, user.actor)
    except ConflictError as exc:
        message = gettext(request, "Nothing was undone: %(why)s", why=str(exc))
        return _page(request, user, error=message, status_code=409)
    except RefWatchError:
        raise HTTPException(404) from None
    return RedirectResponse("/linkage#decisions", status_code=303)
