"""The "Paste an account or a release" page and the claims page: wrong roles, CSRF,
oversized pastes and hand-crafted review forms first, then the review and the accept."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from refwatch.intake.claims import list_claims
from refwatch.store.schema import AuditEntry, Mention, Observation, table_of
from refwatch.store.schema_claims import ClaimEntry
from refwatch.web.routes.extract import MAX_PASTE, MAX_REVIEW
from tests.intake.test_claims import database_bytes
from tests.web.conftest import WebEnv, csrf_of

RELEASE = (
    "China has detained at least 41 North Korean refugees in July and August 2017, in "
    "places including Changbai. My sister Kim Canarya, 34, was caught in Changbai in "
    "July 2017. One rescue network says its capacity fell by about 80% since June 2017."
)
SOURCE = {"source": "Organisation X", "source_type": "ngo_list", "reported_on": "2017-09-14"}


def _counts(web: WebEnv) -> dict[str, int]:
    with web.workspace.read() as conn:
        return {
            model.__tablename__: int(
                conn.execute(select(func.count()).select_from(table_of(model))).scalar()
            )
            for model in (ClaimEntry, Mention, Observation)
        }


def review_form(claims: list[dict[str, Any]], **extra: str) -> dict[str, Any]:
    """A review form as the page would send it, for the given claims (all ticked)."""
    form: dict[str, Any] = {**SOURCE, "language": "en", "claims_count": str(len(claims))}
    form.update({"mentions_count": "0", "observations_count": "0"})
    for i, claim in enumerate(claims):
        base = {
            "accept": "1",
            "number": "41",
            "qualifier": "at_least",
            "event": "detention",
            "from": "2017-07",
            "to": "2017-08",
            "text": "At least 41 were detained.",
            "start": "0",
            "end": "26",
        }
        for key, value in {**base, **claim}.items():
            form[f"c{i}.{key}"] = value
    form.update(extra)
    return form


def test_only_researchers_and_admins_may_paste_and_accept(web: WebEnv) -> None:
    for role in ("viewer", "analyst"):
        client = web.sign_in(role)
        token = csrf_of(client)
        assert client.get("/extract").status_code == 403
        data = {"text": RELEASE, "csrf_token": token, **SOURCE}
        assert client.post("/extract", data=data).status_code == 403
        assert (
            client.post(
                "/extract/accept", data={**review_form([{}]), "csrf_token": token}
            ).status_code
            == 403
        )
    assert web.client().get("/extract").status_code == 303
    assert _counts(web) == {"claims": 0, "mentions": 0, "observations": 0}


def test_the_claims_page_is_read_by_analysts_and_written_by_researchers(web: WebEnv) -> None:
    assert web.sign_in("viewer").get("/claims").status_code == 403
    analyst = web.sign_in("analyst")
    assert analyst.get("/claims").status_code == 200
    form = {
        "source": "Org X",
        "number": "41",
        "qualifier": "at_least",
        "csrf_token": csrf_of(analyst),
    }
    assert analyst.post("/claims", data=form).status_code == 403
    assert 'action="/claims"' not in analyst.get("/claims").text
    assert _counts(web)["claims"] == 0


def test_every_form_needs_its_csrf_token(web: WebEnv) -> None:
    researcher = web.sign_in("researcher")
    assert researcher.post("/extract", data={"text": RELEASE, **SOURCE}).status_code == 403
    assert researcher.post("/extract/accept", data=review_form([{}])).status_code == 403
    assert researcher.post("/claims", data={"source": "Org", "number": "4"}).status_code == 403
    wrong = {"text": RELEASE, **SOURCE, "csrf_token": "0" * 64}
    assert researcher.post("/extract", data=wrong).status_code == 403
    assert _counts(web) == {"claims": 0, "mentions": 0, "observations": 0}


def test_an_oversized_paste_is_refused(web: WebEnv) -> None:
    researcher = web.sign_in("researcher")
    token = csrf_of(researcher)
    long = researcher.post(
        "/extract", data={"text": "x" * (MAX_PASTE + 1), "csrf_token": token, **SOURCE}
    )
    assert long.status_code == 413 and "too long" in long.text
    huge = researcher.post(
        "/extract", data={"text": "x" * (2 * 1024 * 1024), "csrf_token": token, **SOURCE}
    )
    assert huge.status_code in (400, 413)
    body = researcher.post(
        "/extract", data={"text": "x" * (5 * 1024 * 1024), "csrf_token": token, **SOURCE}
    )
    assert body.status_code == 413


@pytest.mark.parametrize(
    ("claim", "field"),
    [
        ({"number": "-5"}, "c0.number"),
        ({"number": "forty-one"}, "c0.number"),
        ({"number": "10000001"}, "c0.number"),
        ({"event": "abduction"}, "c0.event"),
        ({"qualifier": "roughly"}, "c0.qualifier"),
        ({"place": "Atlantis"}, "c0.place"),
        ({"from": "2017-09", "to": "2017-07"}, "c0.to"),
        ({"from": "sometime"}, "c0.from"),
        ({"flags": "vip"}, "c0.flags"),
        ({"text": "x" * 6_000}, "c0.text"),
    ],
)
def test_a_tampered_review_form_is_refused_at_the_field_and_writes_nothing(
    web: WebEnv, claim: dict[str, str], field: str
) -> None:
    researcher = web.sign_in("researcher")
    form = review_form([claim], csrf_token=csrf_of(researcher))
    answer = researcher.post("/extract/accept", data=form)
    assert answer.status_code == 422
    assert f'id="err-{field}"' in answer.text
    assert _counts(web) == {"claims": 0, "mentions": 0, "observations": 0}


def test_unknown_fields_are_ignored_and_counts_are_capped(web: WebEnv) -> None:
    researcher = web.sign_in("researcher")
    token = csrf_of(researcher)
    form = review_form([{}], csrf_token=token)
    form.update({"c0.injected": "DROP TABLE claims", "c0.id": "claim-1", "claims_count": "10000"})
    answer = researcher.post("/extract/accept", data=form)
    assert answer.status_code == 200, answer.text
    assert _counts(web)["claims"] == 1  # claims beyond the form are not made up
    ten_thousand = review_form(
        [{"number": str(100 + n)} for n in range(MAX_REVIEW + 1)], csrf_token=token
    )
    answer = researcher.post("/extract/accept", data=ten_thousand)
    assert answer.status_code == 200
    assert _counts(web)["claims"] == 1 + MAX_REVIEW  # only the first MAX_REVIEW were read
    many = review_form([{"number": str(n)} for n in range(200)], csrf_token=token)
    assert researcher.post("/extract/accept", data=many).status_code == 400  # > 1000 fields


def test_paste_review_accept_and_accept_again(
    web: WebEnv, caplog: pytest.LogCaptureFixture
) -> None:
    researcher = web.sign_in("researcher")
    token = csrf_of(researcher)
    with caplog.at_level(logging.DEBUG):
        page = researcher.post("/extract", data={"text": RELEASE, "csrf_token": token, **SOURCE})
    assert page.status_code == 200
    html = page.text
    assert "<mark>41</mark>" in html and "<mark>Kim Canarya</mark>" in html
    assert 'name="c0.accept" value="1" checked' in html
    assert 'name="o0.accept" value="1" checked' in html
    assert _counts(web) == {"claims": 0, "mentions": 0, "observations": 0}
    form = _form_of(html)
    form.pop("o0.accept")  # the researcher unticks the observation
    form["c0.place"] = ""  # and widens the claim to every place
    accepted = researcher.post("/extract/accept", data=form)
    assert accepted.status_code == 200, accepted.text
    assert 'id="accepted"' in accepted.text
    assert _counts(web) == {"claims": 1, "mentions": 1, "observations": 0}
    again = researcher.post("/extract/accept", data=form)
    assert again.status_code == 200
    assert _counts(web) == {"claims": 1, "mentions": 1, "observations": 0}
    with web.workspace.read() as conn:
        (claim,) = list_claims(conn)
        details = conn.execute(select(table_of(AuditEntry).c.details)).scalars().all()
    assert claim.describe() == "Organisation X, 2017-09-14: at least 41 detained, July–August 2017"
    for canary in ("Kim Canarya", "North Korean refugees in July"):
        assert canary.encode() not in database_bytes(web.workspace)
        assert canary not in caplog.text
        assert all(canary not in d for d in details)


def test_the_claims_page_adds_compares_shows_and_removes(web: WebEnv) -> None:
    researcher = web.sign_in("researcher")
    token = csrf_of(researcher)
    form = {
        "source": "Organisation Y",
        "published_on": "2017-09-14",
        "number": "41",
        "qualifier": "at_least",
        "event": "detention",
        "from": "2017-07",
        "to": "2017-08",
        "text": "canary-page-7781: at least 41 detained.",
        "csrf_token": token,
    }
    bad = researcher.post("/claims", data={**form, "place": "Atlantis"})
    assert bad.status_code == 422 and 'id="err-place"' in bad.text
    assert researcher.post("/claims", data=form).status_code == 303
    page = researcher.get("/claims").text
    assert "at least 41 detained, July–August 2017" in page
    assert "canary-page-7781" in page  # researchers read the sentence …
    analyst_page = web.sign_in("analyst").get("/claims").text
    assert "at least 41 detained" in analyst_page
    assert "canary-page-7781" not in analyst_page  # … analysts do not
    with web.workspace.read() as conn:
        (claim,) = list_claims(conn)
        reads = conn.execute(
            select(func.count())
            .select_from(table_of(AuditEntry))
            .where(table_of(AuditEntry).c.action == "names.read")
        ).scalar()
    assert reads and reads >= 1
    assert (
        researcher.post(f"/claims/{claim.id}/delete", data={"csrf_token": token}).status_code == 303
    )
    assert (
        researcher.post(f"/claims/{claim.id}/delete", data={"csrf_token": token}).status_code == 404
    )
    assert _counts(web)["claims"] == 0


def _form_of(html: str) -> dict[str, str]:
    """The review form's fields as a browser would send them (ticked boxes only)."""
    import re

    form: dict[str, Any] = {}
    body = html[html.index('id="review-form"') :]
    for tag in re.finditer(r"<input[^>]*>", body):
        attrs = dict(re.findall(r'(\w[\w.-]*)="([^"]*)"', tag.group(0)))
        name = attrs.get("name")
        if not name:
            continue
        if attrs.get("type") == "checkbox" and " checked" not in tag.group(0):
            continue
        value = _unescape(attrs.get("value", ""))
        if name in form and attrs.get("type") == "checkbox":
            form[name] = [*([form[name]] if isinstance(form[name], str) else form[name]), value]
        else:
            form[name] = value
    for select_ in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', select_.group(2))
        form[select_.group(1)] = chosen.group(1) if chosen else ""
    return form


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)
