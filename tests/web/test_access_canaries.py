"""Object- and field-level access, tried the way a curious insider would.

A workspace holds canaries in every kind of protected value: names (Hangul and Latin),
notes, report text, a source contact, a pin reason. Then:

- an analyst and a viewer crawl the app: every GET route of the route matrix (every
  placeholder filled with every id of the workspace), then every same-site link, form
  target and data URL the answers point to, pages, CSV exports, chart data and API
  answers alike, plus every state-changing route of the matrix: no canary appears in any
  answer's body or headers (and a researcher's crawl does see them, so the canaries are
  really there);
- ids guessed at random (Hypothesis: real ids, well-formed and malformed ones, traversal
  strings) answer an analyst 404 or a page without names, and a viewer 404 exactly like
  an id that never existed;
- a role change takes effect on the next request of an API token that is already in use.

Extends tests/web/test_route_matrix.py (statuses), test_person_pages.py (analysts see no
name on person pages) and test_tokens.py (a demoted user's token is demoted).
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import quote, urldefrag, urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from refwatch.accounts import accounts, tokens
from refwatch.domain.roles import Role
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import (
    Event,
    Group,
    ImportBatch,
    Mention,
    Observation,
    Person,
    Report,
    Source,
    table_of,
)
from tests.conftest import row
from tests.web.conftest import BASE_URL, WebEnv, csrf_of
from tests.web.evidence_helpers import audit_rows, load_rows, post_form
from tests.web.route_matrix import EXPECTED

CANARIES = {
    "hangul name": "카나리아김",
    "latin name": "Canarius Latinname-Qv3",
    "note": "canary-note-Hb7",
    "intake name": "Canarius Intakename-Wz2",
    "report text": "canary-testimony-Rt5",
    "contact": "canary-contact-Pz7",
    "pin reason": "canary-pin-reason-Bq8",
}
CRAWL_LIMIT = 400
LINK = re.compile(r"""(?:href|src|action|hx-get|hx-post|data-[a-z-]+)=["'](/[^"'#]*)["']""")
SKIP_PREFIXES = ("/static/", "/assets/", "/sign-out")
LANG_LINK = re.compile(r'href="[^"]*[?&](?:amp;)?lang=[^"]*"')
ID_TABLES = {
    "person_id": Person,
    "report_id": Report,
    "source_id": Source,
    "mention_id": Mention,
    "event_id": Event,
    "group_id": Group,
    "observation_id": Observation,
    "batch_id": ImportBatch,
}


def canary_rows() -> list[dict[str, str]]:
    return [
        row(
            source="Canary network (synthetic)",
            source_type="network",
            reported_on="2017-08-16",
            record_id="CAN-1",
            name_hangul=CANARIES["hangul name"],
            name_latin=CANARIES["latin name"],
            sex="F",
            birth_year="1980",
            apprehended_on="2017-07-13",
            apprehended_at="图们",
            held_at="Tumen border detention center",
            status="detained",
            group="CAN-GROUP",
            flags="ill",
            notes=CANARIES["note"],
        ),
        row(
            source="Canary network (synthetic)",
            source_type="network",
            reported_on="2017-09-01",
            record_id="CAN-2",
            name_latin="Second Person",
            apprehended_on="2017-07",
            apprehended_at="Changbai",
            status="returned",
            status_on="2017-08",
            group="CAN-GROUP",
        ),
    ]


def bearer_of(web: WebEnv, role: str) -> dict[str, str]:
    _, raw = tokens.issue_token(web.workspace, web.users[role].id, Role(role), "t", actor="t")
    return {"Authorization": f"Bearer {raw}"}


def plant_canaries(web: WebEnv, cipher: FieldCipher, folder: Path) -> None:
    """Every kind of protected value, entered the ways users enter them."""
    load_rows(web, cipher, folder, canary_rows())
    researcher = web.sign_in("researcher")
    entered = post_form(
        researcher,
        "/intake/report",
        {
            "source": "Canary network (synthetic)",
            "reported_on": "2017-08-20",
            "text": CANARIES["report text"],
            "m0_name_latin": CANARIES["intake name"],
            "m0_apprehended_on": "2017-07",
            "m0_status": "detained",
        },
    )
    assert entered.status_code == 303
    with web.workspace.read() as conn:
        source_id = conn.execute(select(table_of(Source).c.id)).scalars().first()
    saved = post_form(researcher, f"/sources/{source_id}/contact", {"contact": CANARIES["contact"]})
    assert saved.status_code == 303
    pinned = researcher.patch(
        "/api/v1/persons/P-000001",
        json={"version": 1, "status": "safe", "as_of": "2017-10", "reason": CANARIES["pin reason"]},
        headers={"X-CSRF-Token": csrf_of(researcher)},
    )
    assert pinned.status_code == 200, pinned.text


def all_ids(web: WebEnv) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    with web.workspace.read() as conn:
        for name, model in ID_TABLES.items():
            table = table_of(model)
            found[name] = [str(i) for i in conn.execute(select(table.c.id)).scalars()]
    found["user_id"] = [web.users["admin"].id]
    found["token_id"] = ["none"]
    return found


def start_urls(ids: dict[str, list[str]]) -> list[str]:
    """Every GET route of the matrix, each placeholder filled with every id there is."""
    urls = []
    for r in EXPECTED:
        if r.method != "GET" or r.path.startswith(("/static", "/assets")):
            continue
        template = r.url or r.path
        names = re.findall(r"{(\w+)}", template)
        for values in itertools.product(*(ids.get(n) or ["none"] for n in names)):
            urls.append(template.format(**dict(zip(names, values, strict=True))))
    return urls


def leaks(text: str) -> list[str]:
    return [kind for kind, value in CANARIES.items() if value in text]


def crawl(client: TestClient, headers: dict[str, str], starts: list[str]) -> dict[str, str]:
    """Breadth-first over same-site GET links; url → what the answer carried."""
    seen: dict[str, str] = {}
    queue = deque(starts)
    while queue and len(seen) < CRAWL_LIMIT:
        url = urldefrag(queue.popleft()).url
        if url in seen or url.startswith(SKIP_PREFIXES):
            continue
        answer = client.get(url, headers=headers)
        assert answer.status_code < 500, f"{url} answered {answer.status_code}"
        carried = answer.text + "\n" + "\n".join(f"{k}: {v}" for k, v in answer.headers.items())
        seen[url] = carried
        targets = LINK.findall(answer.text)
        if answer.is_redirect:
            targets.append(answer.headers["location"])
        for target in targets:
            absolute = urljoin(BASE_URL + url, target.replace("&amp;", "&"))
            if absolute.startswith(BASE_URL + "/"):
                parts = urlsplit(absolute)
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


@pytest.mark.slow
def test_analysts_and_viewers_crawling_every_page_and_answer_find_no_protected_value(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    plant_canaries(web, cipher, tmp_path)
    starts = start_urls(all_ids(web))

    researcher_saw = crawl(web.sign_in("researcher"), {}, starts)
    researcher_saw.update(crawl(web.client(), bearer_of(web, "researcher"), starts))
    seen_kinds = {kind for text in researcher_saw.values() for kind in leaks(text)}
    assert seen_kinds == set(CANARIES), "every canary is really there for a researcher"

    for role in ("analyst", "viewer"):
        visits = crawl(web.sign_in(role), {}, starts)
        visits.update(
            {f"api {u}": t for u, t in crawl(web.client(), bearer_of(web, role), starts).items()}
        )
        assert len(visits) >= len(set(starts)), role
        found = {url: leaks(text) for url, text in visits.items() if leaks(text)}
        assert found == {}, f"{role} saw protected values: {found}"
        reads = [e for e in audit_rows(web.workspace, "names.read") if e.actor == f"web:{role}"]
        assert reads == [], f"{role} was audited reading names"
        print(f"{role}: {len(visits)} answers crawled, no protected value")


def test_state_changing_routes_refused_to_analysts_and_viewers_carry_no_protected_value(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    plant_canaries(web, cipher, tmp_path)
    ids = {name: values[0] if values else "none" for name, values in all_ids(web).items()}
    for role in ("analyst", "viewer"):
        browser = web.sign_in(role)
        for r in EXPECTED:
            if r.method == "GET" or r.path in ("/sign-out", "/sign-in"):
                continue
            url = (r.url or r.path).format(**ids)
            headers = {"X-CSRF-Token": csrf_of(browser)}
            if r.json is not None:
                answer = browser.request(r.method, url, json=r.json, headers=headers)
            else:
                answer = browser.request(r.method, url, data=r.form or {}, headers=headers)
            assert leaks(answer.text) == [], f"{role} {r.method} {r.path}"


guessed_ids = st.one_of(
    st.from_regex(r"P-\d{6}", fullmatch=True),
    st.uuids().map(lambda u: u.hex),
    # NUL has a test of its own below.
    st.text(
        st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40
    ).filter(bool),
    st.sampled_from(["..", "../users", "%2e%2e", "P-000001/../P-000002", "' OR 1=1 --"]),
)
GUESSABLE = ("/persons/{}", "/reports/{}", "/sources/{}", "/api/v1/persons/{}")
GUESSABLE_API = ("/api/v1/reports/{}", "/api/v1/persons/{}/pin")


@pytest.fixture
def planted(web: WebEnv, cipher: FieldCipher, tmp_path: Path) -> dict[str, Any]:
    plant_canaries(web, cipher, tmp_path)
    ids = all_ids(web)
    return {
        "real": ids["person_id"] + ids["report_id"] + ids["source_id"],
        "analyst": web.sign_in("analyst"),
        "viewer": web.sign_in("viewer"),
    }


def normalised(text: str) -> str:
    """An answer without its language-switch links (which repeat the page's own address)."""
    return LANG_LINK.sub('href=""', text)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(guess=guessed_ids, pick_real=st.integers(min_value=0, max_value=10_000))
def test_guessing_ids_gives_404_or_a_page_without_names(
    planted: dict[str, Any], guess: str, pick_real: int
) -> None:
    real = planted["real"]
    analyst, viewer = planted["analyst"], planted["viewer"]
    for template in GUESSABLE + GUESSABLE_API:
        never = normalised(viewer.get(template.format("never-an-id-000")).text)
        for candidate in (guess, real[pick_real % len(real)]):
            # Dots encoded too, or the client would resolve "/persons/.." to "/" itself.
            url = template.format(quote(candidate, safe="").replace(".", "%2E"))
            seen, hidden = analyst.get(url), viewer.get(url)
            assert leaks(seen.text) == [] and leaks(hidden.text) == [], url
            if "/" in candidate:  # not an id but another path: the router answers
                assert seen.status_code in (307, 404) and hidden.status_code in (307, 404), url
                continue
            if candidate in real:  # analysts read structured records (no names)
                assert seen.status_code in (200, 404), f"analyst {url}: {seen.status_code}"
            else:  # an id that does not exist is not found, for every role
                assert seen.status_code == 404, f"analyst {url}: {seen.status_code}"
            assert hidden.status_code == 404, f"viewer {url}: {hidden.status_code}"
            assert normalised(hidden.text) == never, (
                f"a viewer can tell {url} from an id that never existed"
            )


def test_a_role_change_reaches_an_api_token_already_in_use_on_its_next_request(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    plant_canaries(web, cipher, tmp_path)
    script, token = web.client(), bearer_of(web, "researcher")
    person = "/api/v1/persons/P-000001"
    assert CANARIES["latin name"] in script.get(person, headers=token).text
    researcher = web.users["researcher"].id

    accounts.set_role(web.workspace, researcher, Role.ANALYST, actor="admin")
    as_analyst = script.get(person, headers=token)
    assert as_analyst.status_code == 200 and leaks(as_analyst.text) == []
    assert script.get(f"{person}/pin", headers=token).json()["pin"]["reason"] is None

    accounts.set_role(web.workspace, researcher, Role.VIEWER, actor="admin")
    assert script.get(person, headers=token).status_code == 404

    accounts.set_role(web.workspace, researcher, Role.RESEARCHER, actor="admin")
    assert CANARIES["latin name"] in script.get(person, headers=token).text


NUL_URLS = (
    *(t.format("%00") for t in GUESSABLE + GUESSABLE_API),
    "/api/v1/events?person=%00",
    "/api/v1/reports?source=%00",
    "/persons?source=%00",
    "/api/v1/persons?place=%00",
)


def test_a_nul_byte_in_an_id_or_filter_is_no_server_error(web: WebEnv) -> None:
    analyst = web.sign_in("analyst")
    failing = [u for u in NUL_URLS if analyst.get(u).status_code >= 500]
    assert failing == []
    person_pin = analyst.get("/api/v1/persons/%00/pin")
    assert person_pin.status_code == 404, "the person-edit routes refuse it already"
