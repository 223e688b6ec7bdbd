"""The linkage page (run button, status, review queue, decisions, undo) and merge and split
from the person page, on SQLite and PostgreSQL, with real runs in the app's background
thread."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from refwatch.intake.importer import import_files
from refwatch.linkage import review_queue, run_linkage
from refwatch.linkage.run_lock import linkage_lock
from refwatch.simulate.world import simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions
from refwatch.store.schema import table_of
from refwatch.store.schema_linkage import LinkageDecision, LinkageRun
from refwatch.web.app import create_app
from refwatch.web.linkage_runner import LinkageRunner, RunProgress
from tests.web.conftest import BASE_URL, TEST_HASHER, WebEnv, csrf_in, csrf_of
from tests.web.evidence_helpers import audit_rows, load_rows, post_form

runs = table_of(LinkageRun)
decisions = table_of(LinkageDecision)
HTMX = {"HX-Request": "true"}
MENTION_ATTR = re.compile(r'data-mention-a="([0-9a-f]+)" data-mention-b="([0-9a-f]+)"')


def load_world(web: WebEnv, cipher: FieldCipher, folder: Path) -> None:
    """A small synthetic world (40 invented persons, four sources), imported unlinked."""
    world = simulate_world(folder / "world", people=40, sources=4, seed=5)
    import_files(web.workspace, cipher, list(world.case_lists), actor="tester")


def person_of(web: WebEnv) -> dict[str, str]:
    with web.workspace.read() as conn:
        return {row.id: row.person_id for row in conn.execute(current_mentions())}


def joined_pairs(assignment: dict[str, str]) -> list[tuple[str, str]]:
    members: dict[str, list[str]] = {}
    for mention, person in sorted(assignment.items()):
        members.setdefault(person, []).append(mention)
    return [(m[0], m[1]) for m in members.values() if len(m) >= 2]


def runner(web: WebEnv) -> LinkageRunner:
    found = web.app.state.linkage_runner
    assert isinstance(found, LinkageRunner)
    return found


def press_run(web: WebEnv, browser: TestClient) -> RunProgress:
    """Press "Run linkage" (no JavaScript: a form post) and wait for the thread to end."""
    pressed = post_form(browser, "/linkage/run", {})
    assert pressed.status_code == 303 and pressed.headers["location"] == "/linkage"
    progress = runner(web).wait(120)
    assert progress is not None and not progress.running
    return progress


def test_the_run_button_links_the_workspace_and_the_run_is_listed(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_world(web, cipher, tmp_path)
    before = person_of(web)
    assert len(set(before.values())) == len(before)  # unlinked: one person per mention
    browser = web.sign_in("researcher")
    page = browser.get("/linkage")
    assert page.status_code == 200 and 'id="no-runs"' in page.text
    assert 'id="linkage-run-form"' in page.text

    progress = press_run(web, browser)
    assert progress.outcome == "done" and progress.summary is not None
    after = person_of(web)
    assert set(after) == set(before)
    assert len(set(after.values())) == progress.summary.persons < len(before)
    with web.workspace.read() as conn:
        (run,) = conn.execute(select(runs)).all()
    assert (run.actor, run.status, run.backend) == ("web:researcher", "done", "duckdb")
    assert run.mentions == len(before) and run.persons == progress.summary.persons
    assert [e.record_id for e in audit_rows(web.workspace, "linkage.run")] == [run.id]

    page = browser.get("/linkage")
    table = page.text[page.text.index('id="runs-table"') :]
    assert f'data-run="{run.id}"' in table and "researcher" in table
    assert f">{run.persons}<" in table and f">{run.mentions}<" in table
    assert 'id="linkage-finished"' in page.text
    assert audit_rows(web.workspace, "linkage.read_reasons") == []  # no decision, no read
    # The page that watched run 1 is told to reload; an idle poll is not.
    watched = browser.get("/linkage/status?watch=1", headers=HTMX)
    assert watched.headers.get("HX-Refresh") == "true"
    assert "HX-Refresh" not in browser.get("/linkage/status", headers=HTMX).headers


def test_a_second_run_while_one_is_going_is_refused(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_world(web, cipher, tmp_path)
    browser = web.sign_in("researcher")
    token = csrf_of(browser)
    # Hold the first run at its first write (it records itself in linkage_runs).
    with web.workspace.write() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE linkage_runs IN ACCESS EXCLUSIVE MODE"))
        first = browser.post("/linkage/run", data={"csrf_token": token}, headers=HTMX)
        assert first.status_code == 200
        assert 'hx-get="/linkage/status?watch=1"' in first.text
        assert 'id="linkage-run-form"' not in first.text  # no button while it runs
        second = browser.post("/linkage/run", data={"csrf_token": token}, headers=HTMX)
        assert second.status_code == 409 and "already going" in second.text
        polled = browser.get("/linkage/status?watch=1", headers=HTMX)
        assert polled.status_code == 200 and 'id="linkage-progress"' in polled.text
        assert "HX-Refresh" not in polled.headers
    done = runner(web).wait(120)
    assert done is not None and done.outcome == "done" and done.number == 1
    with web.workspace.read() as conn:
        assert [r.status for r in conn.execute(select(runs))] == ["done"]
    assert press_run(web, browser).number == 2  # once it has ended, the button works again


def test_a_run_started_elsewhere_makes_the_button_say_so_in_the_readers_language(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_world(web, cipher, tmp_path)
    browser = web.sign_in("researcher")
    with linkage_lock(web.workspace):  # as `refwatch link` in a terminal would hold it
        refused = press_run(web, browser)
        assert refused.outcome == "refused"
        english = browser.get("/linkage").text
        korean = browser.get("/linkage?lang=ko").text
    assert "another linkage run is in progress on this workspace" in english
    assert "다른 연결 실행이 진행 중입니다" in korean and "another linkage run" not in korean
    with web.workspace.read() as conn:
        assert conn.execute(select(runs)).all() == []  # refused before it began
    assert press_run(web, browser).outcome == "done"


def test_the_queue_shows_uncertain_pairs_side_by_side_with_their_weights(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_world(web, cipher, tmp_path)
    run_linkage(web.workspace, cipher, "tester")
    expected = review_queue(web.workspace, None, 20)
    assert expected, "the world has uncertain pairs"
    page = web.sign_in("researcher").get("/linkage")
    assert page.status_code == 200
    shown = MENTION_ATTR.findall(page.text)
    assert shown == [(p.mention_a.mention_id, p.mention_b.mention_id) for p in expected]
    first = expected[0]
    card = page.text[page.text.index('id="pair-1"') : page.text.index("</article>")]
    weights = card[card.index('id="pair-1-weights"') :]
    for part in first.parts:
        assert part.level in weights and f"{part.weight:+.2f}" in weights
    assert f"{first.match_weight:+.2f}" in weights
    assert f"{first.match_probability * 100:.0f}%" in card
    for side in (first.mention_a, first.mention_b):
        assert side.source in card and side.person_id in card
    named = review_queue(web.workspace, cipher, 1, actor="tester")[0]
    assert any(n and n in card for n in (named.mention_a.name_hangul, named.mention_a.name_latin))
    korean = web.sign_in("admin").get("/linkage?lang=ko")
    assert korean.status_code == 200 and "검토 대기열" in korean.text and "쌍 1" in korean.text
    reads = [r for r in audit_rows(web.workspace, "linkage.read_names") if r.actor != "tester"]
    assert [r.actor for r in reads] == ["web:researcher", "web:admin"]
    assert json.loads(reads[0].details) == {
        "purpose": "review",
        "mentions": len({m for pair in shown for m in pair}),
    }


def test_not_the_same_is_a_cannot_link_that_later_runs_obey_until_it_is_undone(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_world(web, cipher, tmp_path)
    run_linkage(web.workspace, cipher, "tester")
    a, b = joined_pairs(person_of(web))[0]
    browser = web.sign_in("researcher")
    answered = post_form(
        browser,
        "/linkage/decisions",
        {"mention_a": a, "mention_b": b, "answer": "different", "reason": "Reason-Xq7 scar"},
    )
    assert answered.status_code == 303, answered.text
    with web.workspace.read() as conn:
        (stored,) = conn.execute(select(decisions)).all()
    assert (stored.kind, stored.actor, stored.undone_at) == ("different", "web:researcher", None)
    assert b"Reason-Xq7" not in stored.reason_enc
    assert person_of(web)[a] != person_of(web)[b]  # applied at once

    press_run(web, browser)
    assert person_of(web)[a] != person_of(web)[b]  # and obeyed by the next run
    page = browser.get("/linkage").text
    listed = page[page.index('id="decisions-table"') :]
    assert f'data-decision="{stored.id}"' in listed and "Reason-Xq7 scar" in listed
    assert f'action="/linkage/decisions/{stored.id}/undo"' in listed
    assert {e.actor for e in audit_rows(web.workspace, "linkage.read_reasons")} == {
        "web:researcher"
    }

    undone = post_form(browser, f"/linkage/decisions/{stored.id}/undo", {})
    assert undone.status_code == 303
    with web.workspace.read() as conn:
        after = conn.execute(select(decisions)).one()
    assert after.undone_at is not None and after.undone_by == "web:researcher"
    trail = audit_rows(web.workspace, "linkage.undo")
    assert [(e.actor, e.record_id) for e in trail] == [("web:researcher", stored.id)]
    assert "Reason-Xq7" not in trail[0].details
    press_run(web, browser)
    assert person_of(web)[a] == person_of(web)[b]  # undone: the evidence joins them again

    again = post_form(browser, f"/linkage/decisions/{stored.id}/undo", {})
    assert again.status_code == 409 and "already undone" in again.text
    assert post_form(browser, "/linkage/decisions/no-such-decision/undo", {}).status_code == 404


def test_same_person_merges_and_a_contradicting_answer_is_refused_with_a_message(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_world(web, cipher, tmp_path)
    run_linkage(web.workspace, cipher, "tester")
    assignment = person_of(web)
    alone = [m for m, p in sorted(assignment.items()) if list(assignment.values()).count(p) == 1]
    a, b = alone[:2]
    browser = web.sign_in("admin")
    same = {"mention_a": a, "mention_b": b, "answer": "same"}
    assert post_form(browser, "/linkage/decisions", same).status_code == 303
    assert person_of(web)[a] == person_of(web)[b]
    refused = post_form(browser, "/linkage/decisions", {**same, "answer": "different"})
    assert refused.status_code == 409 and 'id="linkage-error"' in refused.text
    assert "undo" in refused.text
    with web.workspace.read() as conn:
        assert [r.kind for r in conn.execute(select(decisions))] == ["same"]

    skipped = post_form(browser, "/linkage/decisions", {**same, "answer": "maybe"})
    assert skipped.status_code == 400 and 'id="linkage-error"' in skipped.text
    unknown = {"mention_a": "0" * 32, "mention_b": a, "answer": "skip"}
    nothing = post_form(browser, "/linkage/decisions", unknown)
    assert nothing.status_code == 400 and "no such mention" in nothing.text


def test_an_answered_pair_leaves_the_queue(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_world(web, cipher, tmp_path)
    run_linkage(web.workspace, cipher, "tester")
    browser = web.sign_in("researcher")
    first = MENTION_ATTR.findall(browser.get("/linkage").text)[0]
    skip = {"mention_a": first[0], "mention_b": first[1], "answer": "skip"}
    assert post_form(browser, "/linkage/decisions", skip).status_code == 303
    assert first not in MENTION_ATTR.findall(browser.get("/linkage").text)


def test_merge_and_split_from_the_person_page(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    browser = web.sign_in("researcher")
    page = browser.get("/persons/P-000001")
    assert 'id="merge-form"' in page.text and 'id="split-form"' not in page.text

    merged = post_form(browser, "/persons/P-000001/merge", {"other": "p-2", "reason": "same"})
    assert merged.status_code == 303 and merged.headers["location"] == "/persons/P-000001"
    assert browser.get("/persons/P-000002").status_code == 404  # retired into P-000001
    joined = [m for m, p in person_of(web).items() if p == "P-000001"]
    assert len(joined) == 2
    page = browser.get("/persons/P-000001")
    assert 'id="split-form"' in page.text and "Gim Songkook" in page.text

    moving = sorted(joined)[1]
    form = {"mention": [moving], "reason": "no"}
    # The merge is a must-link: splitting the two apart is refused until it is undone.
    refused = post_form(browser, "/persons/P-000001/split", form)
    assert refused.status_code == 409 and 'id="linkage-edit-error"' in refused.text
    assert "same person" in refused.text and person_of(web)[moving] == "P-000001"
    with web.workspace.read() as conn:
        (must_link,) = conn.execute(select(decisions.c.id, decisions.c.kind)).all()
    assert must_link.kind == "same"
    assert post_form(browser, f"/linkage/decisions/{must_link.id}/undo", {}).status_code == 303
    split = post_form(browser, "/persons/P-000001/split", form)
    assert split.status_code == 303
    new_person = split.headers["location"].rsplit("/", 1)[1]
    assert new_person not in ("P-000001", "P-000002", "P-000003")
    assert person_of(web)[moving] == new_person
    assert browser.get(split.headers["location"]).status_code == 200

    # The split is a cannot-link: merging the two back is refused until it is undone.
    back = post_form(browser, f"/persons/{new_person}/merge", {"other": "P-000001"})
    assert back.status_code == 409 and 'id="linkage-edit-error"' in back.text
    assert "not the same person" in back.text
    assert person_of(web)[moving] == new_person

    for form, why in (
        ({"other": "P-999999"}, "no person P-999999"),
        ({"other": "P-000001"}, "another person"),
        ({"other": ""}, "another person"),
    ):
        refused = post_form(browser, "/persons/P-000001/merge", form)
        assert refused.status_code == 400 and why in refused.text, form
    for chosen in ([], [moving], sorted(m for m, p in person_of(web).items() if p == "P-000001")):
        refused = post_form(browser, "/persons/P-000001/split", {"mention": chosen})
        assert refused.status_code == 400 and 'id="linkage-edit-error"' in refused.text
    assert post_form(browser, "/persons/P-999999/merge", {"other": "P-1"}).status_code == 404
    assert post_form(browser, "/persons/P-999999/split", {"mention": [moving]}).status_code == 404
    assert [e.actor for e in audit_rows(web.workspace, "linkage.merge")] == ["web:researcher"]
    assert [e.record_id for e in audit_rows(web.workspace, "linkage.split")] == ["P-000001"]


def test_analysts_and_viewers_are_refused_and_shown_no_name(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    run_linkage(web.workspace, cipher, "tester")
    names = ("김송국", "Gim Songkook", "Ri Myong-hui", "박영희")
    mention = sorted(person_of(web))[0]
    for role, person_status in (("analyst", 403), ("viewer", 404)):
        browser = web.sign_in(role)
        token = csrf_of(browser)
        answers = [
            (browser.get("/linkage"), 403),
            (browser.get("/linkage/status"), 403),
            (browser.post("/linkage/run", data={"csrf_token": token}), 403),
            (browser.post("/linkage/run", data={"csrf_token": token}, headers=HTMX), 403),
            (
                browser.post(
                    "/linkage/decisions",
                    data={"csrf_token": token, "mention_a": mention, "mention_b": mention},
                ),
                403,
            ),
            (browser.post("/linkage/decisions/x/undo", data={"csrf_token": token}), 403),
            (
                browser.post(
                    "/persons/P-000001/merge", data={"csrf_token": token, "other": "P-000002"}
                ),
                person_status,
            ),
            (
                browser.post(
                    "/persons/P-000001/split", data={"csrf_token": token, "mention": [mention]}
                ),
                person_status,
            ),
        ]
        for answer, status in answers:
            assert answer.status_code == status, (role, answer.request.url)
            assert not [n for n in names if n in answer.text], (role, answer.request.url)
        assert "/linkage" not in browser.get("/").text  # no nav entry
        person = browser.get("/persons/P-000001")
        if role == "analyst":
            assert person.status_code == 200 and 'id="merge-form"' not in person.text
            assert not [n for n in names if n in person.text]
    assert runner_started(web) is False
    with web.workspace.read() as conn:
        assert conn.execute(select(decisions)).all() == []
        assert len(conn.execute(select(runs)).all()) == 1  # the test's own run only


def runner_started(web: WebEnv) -> bool:
    found = getattr(web.app.state, "linkage_runner", None)
    return isinstance(found, LinkageRunner) and found.progress() is not None


def signed_in(app: Any, web: WebEnv, role: str) -> TestClient:
    """A browser on `app` (already started), signed in through the form as `role`."""
    browser = TestClient(app, base_url=BASE_URL, follow_redirects=False)
    signin = browser.get("/sign-in")
    form = {"username": role, "password": web.passwords[role]}
    answer = browser.post("/sign-in", data={**form, "csrf_token": csrf_in(signin.text)})
    assert answer.status_code == 303
    return browser


def second_app(web: WebEnv, *, with_key: bool) -> Any:
    """Another app over the same workspace (its own runner), with or without the key."""
    url = web.workspace.url if web.workspace.dialect != "sqlite" else None
    secret = web.secret if with_key else None
    return create_app(web.workspace.path, url, secret=secret, password_hasher=TEST_HASHER)


@pytest.fixture
def keyless(web: WebEnv) -> Iterator[TestClient]:
    """A researcher's browser on a second app over the same workspace, started without the
    key: no page of it can decrypt a name."""
    app = second_app(web, with_key=False)
    with TestClient(app, base_url=BASE_URL):  # runs the lifespan
        yield signed_in(app, web, "researcher")


def test_without_the_key_the_queue_shows_no_name_and_no_run_can_start(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, keyless: TestClient
) -> None:
    load_world(web, cipher, tmp_path)
    run_linkage(web.workspace, cipher, "tester")
    queue: list[Any] = review_queue(web.workspace, cipher, 20, actor="tester")
    sides = [m for p in queue for m in (p.mention_a, p.mention_b)]
    names = {n for m in sides for n in (m.name_hangul, m.name_latin) if n}
    assert names
    page = keyless.get("/linkage")
    assert page.status_code == 200 and MENTION_ATTR.findall(page.text)
    assert not [n for n in names if n in page.text]
    assert "started without the key" in page.text
    refused = keyless.post("/linkage/run", data={"csrf_token": csrf_in(page.text)})
    assert refused.status_code == 503
    with web.workspace.read() as conn:
        assert len(conn.execute(select(runs)).all()) == 1


def test_a_run_going_when_the_server_stops_is_stopped_and_recorded_as_failed(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_world(web, cipher, tmp_path)
    app = second_app(web, with_key=True)
    server = TestClient(app, base_url=BASE_URL)
    server.__enter__()  # the lifespan starts; __exit__ below runs the shutdown
    browser = signed_in(app, web, "researcher")
    token = csrf_of(browser)
    with web.workspace.write() as conn:  # hold the run at its first write
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE linkage_runs IN ACCESS EXCLUSIVE MODE"))
        started = browser.post("/linkage/run", data={"csrf_token": token}, headers=HTMX)
        assert started.status_code == 200
        the_runner = app.state.linkage_runner
        assert isinstance(the_runner, LinkageRunner)
        stopping = threading.Thread(target=server.__exit__, args=(None, None, None))
        stopping.start()
        deadline = time.monotonic() + 30
        while not the_runner.stopping and time.monotonic() < deadline:
            time.sleep(0.05)
        assert the_runner.stopping
    stopping.join(120)
    assert not stopping.is_alive()
    progress = the_runner.progress()
    assert progress is not None and progress.outcome == "stopped"
    with web.workspace.read() as conn:
        (run,) = conn.execute(select(runs)).all()
    assert run.status == "failed" and json.loads(run.summary) == {"error": "LinkageStopped"}
    assert len(set(person_of(web).values())) == len(person_of(web))  # nothing was linked
