"""The estimates page: the library's estimate, recorded in the ledger, explained on a page.

Every number the page shows is compared with what `estimate_from_workspace` gives for the
same options and seed (never a hard-coded figure), on SQLite and PostgreSQL, on the demo's
case lists linked by their answer key (tests/web/estimate_helpers.py).
"""

from __future__ import annotations

import csv
import html
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from refwatch.counting.ledger import read_entry
from refwatch.domain.errors import Message
from refwatch.estimate import EstimateOptions, LcmcrSettings, estimate_from_workspace, messages
from refwatch.estimate.api import WorkspaceEstimate
from refwatch.estimate.loglinear import estimate_loglinear, profile_loglik
from refwatch.estimate.table import read_histories_csv
from refwatch.simulate.demo import DemoFiles
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import Person, table_of
from refwatch.store.schema_ledger import LedgerEntry
from refwatch.store.workspace import Workspace
from refwatch.web.estimate_charts import chosen_fit, profile_points
from refwatch.web.estimate_form import MAX_NBOOT, MAX_SWEEPS
from tests.conftest import write_csv
from tests.web.conftest import WebEnv, csrf_of
from tests.web.estimate_helpers import load_demo

KOSOVO = Path(__file__).parents[1] / "estimate" / "fixtures" / "kosovo_1999.csv"
ROW = re.compile(
    r'<tr data-stratum="([^"]*)" data-n="(\d+)" data-estimate="([^"]*)" '
    r'data-lower="([^"]*)" data-upper="([^"]*)"'
)
TYPED = ("from", "to", "seed", "nboot", "K", "burnin", "samples", "thinning", "chains")
LEDGER_LINK = re.compile(r'href="/ledger/(L-\d{6})"')


@pytest.fixture
def demo(web: WebEnv, cipher: FieldCipher, tmp_path: Path) -> DemoFiles:
    return load_demo(web.workspace, cipher, tmp_path / "demo", link=True)


def post(client: TestClient, form: dict[str, str]) -> Any:
    return client.post("/estimates", data={**form, "csrf_token": csrf_of(client)})


def shown_rows(page: str) -> dict[str, tuple[int, float, float | None, float | None]]:
    """stratum -> (seen, estimate, lower, upper) as the page's table carries them."""

    def number(text: str) -> float | None:
        return float(text) if text else None

    return {
        label: (int(n), float(est), number(low), number(high))
        for label, n, est, low, high in ROW.findall(page)
    }


def expected_rows(
    estimate: WorkspaceEstimate,
) -> dict[str, tuple[int, float, float | None, float | None]]:
    rows = {"total": estimate.total}
    rows.update({k: v for k, v in estimate.strata.items() if not isinstance(v, str)})
    return {k: (r.n_observed, r.estimate, r.lower, r.upper) for k, r in rows.items()}


# the form the quarterly tests post, and the same question asked of the library
QUARTERLY = {"lists": "source_type", "stratify": "quarter", "nboot": "100", "seed": "7"}


def quarterly_estimate(workspace: Workspace) -> WorkspaceEstimate:
    return estimate_from_workspace(
        workspace,
        lists="source_type",
        stratify="quarter",
        options=EstimateOptions(interval="bootstrap", nboot=100, seed=7),
    )


def ledger_count(workspace: Workspace) -> int:
    with workspace.read() as conn:
        return int(
            conn.execute(select(func.count()).select_from(table_of(LedgerEntry))).scalar_one()
        )


def chart_spec(page: str) -> dict[str, Any]:
    found = re.search(r'data-vega-spec="([^"]*)"', page)
    assert found, "the page carries no plot"
    spec: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return spec


def data_with(spec: Any, key: str) -> list[dict[str, Any]]:
    """The data rows of a Vega-Lite spec (inline or in `datasets`) whose rows have `key`."""
    if isinstance(spec, list):
        if spec and isinstance(spec[0], dict) and key in spec[0]:
            return spec
        children: list[Any] = spec
    elif isinstance(spec, dict):
        children = list(spec.values())
    else:
        return []
    for child in children:
        found = data_with(child, key)
        if found:
            return found
    return []


def test_the_form_offers_the_commands_options_and_explains_the_estimate(
    web: WebEnv,
) -> None:
    page = web.sign_in("analyst").get("/estimates")
    assert page.status_code == 200
    text = page.text
    for name in (
        "lists", "stratify", "from", "to", "method", "select", "interval", "nboot", "level",
        "seed", "maxorder", "K", "burnin", "samples", "thinning", "chains", "purpose",
    ):  # fmt: skip
        assert f'name="{name}"' in text, name
    for value in (
        "source", "source_type", "month", "quarter", "region", "sex", "age_band",
        "loglinear", "lcmcr", "bic", "aic", "stepwise", "bootstrap", "profile",
    ):  # fmt: skip
        assert f'value="{value}"' in text, value
    assert "What this estimate means" in text and "capture–recapture" in text
    seed = re.search(r'name="seed" value="(\d+)"', text)
    assert seed, "a fresh seed is offered, so every run can be recomputed"
    assert f"{MAX_SWEEPS:,}" in text and f"{MAX_NBOOT:,}" in text
    assert 'href="/estimates"' in text, "the nav shows the page once it exists"
    korean = web.sign_in("analyst").get("/estimates?lang=ko").text
    assert "기록되지 않은 사람 수 추정" in korean


def test_a_log_linear_estimate_on_the_page_is_the_librarys_and_is_recorded(
    web: WebEnv, demo: DemoFiles
) -> None:
    analyst = web.sign_in("analyst")
    form = {
        "lists": "source_type",
        "stratify": "sex",
        "method": "loglinear",
        "select": "bic",
        "interval": "bootstrap",
        "nboot": "60",
        "level": "0.9",
        "seed": "11",
        "purpose": "test of the page",
    }
    before = ledger_count(web.workspace)
    page = post(analyst, form)
    assert page.status_code == 200, page.text[:2000]
    library = estimate_from_workspace(
        web.workspace,
        lists="source_type",
        stratify="sex",
        options=EstimateOptions(
            method="loglinear", selection="bic", level=0.9, interval="bootstrap", nboot=60, seed=11
        ),
    )
    shown = shown_rows(page.text)
    expected = expected_rows(library)
    assert shown.keys() == expected.keys() and len(shown) >= 3
    for label, (n, est, low, high) in expected.items():
        got = shown[label]
        assert got[0] == n, label
        assert got[1] == pytest.approx(est, rel=1e-12), label
        assert got[2] == pytest.approx(low, rel=1e-12), label
        assert (got[3] is None) == (high is None), label
        if high is not None:
            assert got[3] == pytest.approx(high, rel=1e-12), label
    total = library.total
    assert f"{round(total.estimate):,}" in page.text
    assert total.model["name"] in page.text
    headline = page.text[page.text.index('id="headline-interval"') :]
    assert re.match(r'id="headline-interval"><strong>[^<]+</strong> 90% [a-z -]*interval', headline)
    for warning in total.warnings:
        assert warning in html.unescape(page.text)

    ids = LEDGER_LINK.findall(page.text)
    assert len(ids) == len(expected) and ledger_count(web.workspace) == before + len(expected)
    for entry_id, (label, (n, est, _, _)) in zip(ids, expected.items(), strict=True):
        entry = read_entry(web.workspace, entry_id)
        assert entry["kind"] == "estimate" and entry["actor"] == "web:analyst"
        assert entry["purpose"] == "test of the page"
        assert entry["query"]["stratum"] == (None if label == "total" else label)
        assert entry["query"]["seed"] == 11 and entry["query"]["nboot"] == 60
        assert entry["numbers"]["estimate"] == pytest.approx(est, rel=1e-12)
        assert entry["at_least"] == n

    spec = chart_spec(page.text)
    assert "layer" in spec
    curve = data_with(spec, "loglik")
    assert len(curve) > 50
    best = max(curve, key=lambda r: r["loglik"])
    assert best["loglik"] <= 1e-9
    profile = total.diagnostics["profile_interval"]
    assert profile["lower"] - 5 <= best["N"] <= (profile["upper"] or math.inf)


def test_an_lcmcr_estimate_on_the_page_is_the_librarys_for_the_same_seed(
    web: WebEnv, demo: DemoFiles
) -> None:
    """The page runs the chains one after another; the command runs them in parallel
    processes. Same seeds, same draws: the numbers must be identical."""
    analyst = web.sign_in("researcher")
    form = {
        "lists": "source",
        "method": "lcmcr",
        "K": "4",
        "burnin": "400",
        "samples": "200",
        "thinning": "2",
        "chains": "2",
        "seed": "5",
        "level": "0.95",
    }
    page = post(analyst, form)
    assert page.status_code == 200, page.text[:2000]
    library = estimate_from_workspace(
        web.workspace,
        lists="source",
        options=EstimateOptions(
            method="lcmcr",
            seed=5,
            lcmcr=LcmcrSettings(K=4, burnin=400, samples=200, thinning=2, chains=2, seed=5),
        ),
    )
    assert shown_rows(page.text) == expected_rows(library)
    assert "R-hat" in page.text and "Posterior distribution of the total" in page.text
    spec = chart_spec(page.text)
    bars = data_with(spec, "share")
    assert sum(b["share"] for b in bars) == pytest.approx(1.0)
    (entry_id,) = LEDGER_LINK.findall(page.text)
    entry = read_entry(web.workspace, entry_id)
    assert entry["query"]["method"] == "lcmcr" and entry["query"]["K"] == 4
    assert entry["numbers"]["model"]["seed"] == 5


def test_the_profile_curve_is_the_librarys_profile_likelihood() -> None:
    """The plotted curve crosses the cut-off exactly where the library's profile interval
    ends, and peaks at its point (Kosovo 1999, four lists)."""
    table = read_histories_csv(KOSOVO)
    result = estimate_loglinear(table, interval="profile")
    fit = chosen_fit(table, result)
    assert fit is not None and fit.estimate == pytest.approx(result.estimate, rel=1e-12)
    loglik = profile_loglik(table, fit)
    profile = result.diagnostics["profile_interval"]
    top = loglik(profile["point"])
    cut = profile_points(table, result)
    assert cut is not None
    for end in (profile["lower"], profile["upper"]):
        assert end is not None and end > table.n
        assert loglik(end) - top == pytest.approx(cut["cut"], abs=1e-4)
    assert all(r["loglik"] <= 1e-9 for r in cut["rows"])
    assert loglik(profile["point"] * 1.01) < top and loglik(profile["point"] * 0.99) < top


def test_too_few_lists_are_refused_with_a_message_and_nothing_recorded(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    from refwatch.intake.importer import import_file

    import_file(web.workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    page = post(web.sign_in("analyst"), {"lists": "source", "method": "loglinear", "seed": "1"})
    assert page.status_code == 200
    assert 'id="estimate-refusal"' in page.text
    assert "No estimate: these lists cannot support one." in page.text
    assert "at least 3 are needed" in page.text
    assert "check that record linkage has run" in page.text
    assert ledger_count(web.workspace) == 0


def test_lists_that_share_nobody_are_refused_with_a_message(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_demo(web.workspace, cipher, tmp_path / "demo", link=False)
    page = post(web.sign_in("analyst"), {"lists": "source_type", "method": "lcmcr", "seed": "1"})
    assert page.status_code == 200
    assert 'id="estimate-refusal"' in page.text
    assert "is on any other list" in page.text
    assert ledger_count(web.workspace) == 0


def test_small_strata_get_plain_warnings_and_strata_without_an_estimate_say_why(
    web: WebEnv, demo: DemoFiles
) -> None:
    page = post(web.sign_in("analyst"), QUARTERLY)
    assert page.status_code == 200
    library = quarterly_estimate(web.workspace)
    refused = {k: v for k, v in library.strata.items() if isinstance(v, str)}
    estimated = {k: v for k, v in library.strata.items() if not isinstance(v, str)}
    assert refused and estimated, "the demo has quarters with and without an estimate"
    text = html.unescape(page.text)
    for label, reason in refused.items():
        assert f'<tr data-stratum="{label}" class="no-estimate">' in page.text
        assert reason in text
    for result in estimated.values():
        for warning in result.warnings:
            assert warning in text
    rows = [library.total, *estimated.values()]
    wide = [r for r in rows if r.upper is None or r.upper - (r.lower or 0) > 0.5 * r.estimate]
    assert wide, "a quarter of the demo has a wide interval"
    assert page.text.count('<span class="badge warn">wide interval</span>') == len(wide)
    assert "strata need not add up to the total" in page.text


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"from": "last summer"}, "from", "Not an EDTF date"),
        ({"from": "2017-08", "to": "2017-07"}, "to", "The period ends before it starts."),
        ({"method": "magic"}, "method", "Choose log-linear or LCMCR."),
        ({"lists": "name"}, "lists", "Choose lists by source or by source type."),
        ({"stratify": "weekday"}, "stratify", "Choose a stratum from the list"),
        ({"select": "best"}, "select", "Choose BIC, AIC or stepwise"),
        ({"level": "0.5"}, "level", "Choose an interval level"),
        ({"nboot": str(MAX_NBOOT + 1)}, "nboot", f"from 0 to {MAX_NBOOT}"),
        ({"seed": "-1"}, "seed", "Write a whole number"),
        ({"seed": "1e9"}, "seed", "Write a whole number"),
        ({"method": "lcmcr", "chains": "9"}, "chains", "from 1 to 4"),
        ({"method": "lcmcr", "K": "1"}, "K", "from 2 to 50"),
        (
            {"method": "lcmcr", "burnin": "900000", "samples": "1000", "thinning": "10"},
            "burnin",
            "this page runs at most 1,000,000 per table",
        ),
    ],
)
def test_bad_input_is_answered_next_to_its_field_and_nothing_is_recorded(
    web: WebEnv, form: dict[str, str], field: str, message: str
) -> None:
    page = post(web.sign_in("analyst"), {"lists": "source", "seed": "1", **form})
    assert page.status_code == 422
    assert f'id="err-{field}"' in page.text and message in html.unescape(page.text)
    assert "Some fields need attention." in page.text
    for name, value in form.items():
        if name in TYPED:
            assert f'name="{name}" value="{value}"' in page.text, "the form keeps what was typed"
    assert ledger_count(web.workspace) == 0


def test_overlong_and_missing_fields_never_give_a_server_error(web: WebEnv) -> None:
    analyst = web.sign_in("analyst")
    assert post(analyst, {"from": "2017" * 400, "seed": "1"}).status_code == 422
    empty = post(analyst, {})
    assert empty.status_code == 200 and 'id="estimate-refusal"' in empty.text


def test_viewers_and_strangers_are_refused(web: WebEnv) -> None:
    viewer = web.sign_in("viewer")
    assert viewer.get("/estimates").status_code == 403
    assert post(viewer, {"lists": "source", "seed": "1"}).status_code == 403
    assert 'href="/estimates"' not in viewer.get("/").text
    stranger = web.client()
    assert stranger.get("/estimates").status_code == 303
    analyst = web.sign_in("analyst")
    no_token = analyst.post("/estimates", data={"lists": "source", "seed": "1"})
    assert no_token.status_code == 403
    assert ledger_count(web.workspace) == 0


def test_the_page_shows_no_name_and_no_person_or_record_id(web: WebEnv, demo: DemoFiles) -> None:
    page = post(
        web.sign_in("admin"),
        {"lists": "source", "stratify": "age_band", "interval": "profile", "seed": "2"},
    )
    assert page.status_code == 200 and 'id="estimate-summary"' in page.text
    with web.workspace.read() as conn:
        persons = list(conn.execute(select(table_of(Person).c.id)).scalars())
    assert persons
    revealed = [p for p in persons if re.search(rf"\b{re.escape(p)}\b", page.text)]
    assert revealed == []
    names: set[str] = set()
    records: set[str] = set()
    for path in demo.case_lists:
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                names.update(v for v in (row["name_hangul"], row["name_latin"]) if v)
                records.add(row["record_id"])
    assert names and records
    assert [n for n in names if n in page.text] == []
    assert [r for r in records if r in page.text] == []


KOREAN = {"Accept-Language": "ko-KR,ko;q=0.9"}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def refusal_of(page: str) -> str:
    found = re.search(r'id="estimate-refusal">(.*?)</div>', html.unescape(page), re.DOTALL)
    assert found, "the page carries no refusal"
    return found.group(1)


def test_a_korean_refusal_for_too_few_lists_is_korean(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    from refwatch.intake.importer import import_file

    import_file(web.workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    analyst = web.sign_in("analyst")
    form = {"lists": "source", "method": "loglinear", "seed": "1", "csrf_token": csrf_of(analyst)}
    page = analyst.post("/estimates", data=form, headers=KOREAN)
    assert page.status_code == 200
    refusal = refusal_of(page.text)
    assert "최소 3개가 필요합니다" in refusal
    assert "at least 3 are needed" not in page.text
    assert "at least 3 are needed" in post(analyst, form).text


def test_a_korean_refusal_for_lists_that_share_nobody_is_korean(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_demo(web.workspace, cipher, tmp_path / "demo", link=False)
    analyst = web.sign_in("analyst")
    form = {"lists": "source_type", "method": "lcmcr", "seed": "1"}
    page = analyst.post("/estimates", data={**form, "csrf_token": csrf_of(analyst)}, headers=KOREAN)
    assert page.status_code == 200
    refusal = refusal_of(page.text)
    assert "다른 목록에 없어서" in refusal
    assert "is on any other list" not in page.text and "merge it with" not in page.text
    assert "is on any other list" in post(analyst, form).text


def korean_text(message: str) -> str:
    """What a Korean page shows for an English message made below the web layer."""
    from starlette.requests import Request

    from refwatch.web.i18n import message_text

    scope = {"type": "http", "headers": [(b"accept-language", b"ko")], "query_string": b""}
    return message_text(Request(scope), message)


def test_a_korean_estimate_gives_its_warnings_and_notes_in_korean(
    web: WebEnv, demo: DemoFiles
) -> None:
    analyst = web.sign_in("analyst")
    page = analyst.post(
        "/estimates", data={**QUARTERLY, "csrf_token": csrf_of(analyst)}, headers=KOREAN
    )
    assert page.status_code == 200
    library = quarterly_estimate(web.workspace)
    said = [*library.total.warnings, *library.histories.notes]
    said += [w for r in library.strata.values() if not isinstance(r, str) for w in r.warnings]
    assert said, "the demo's quarters carry warnings"
    text = html.unescape(page.text)
    for message in said:
        korean = korean_text(message)
        assert HANGUL.search(korean), f"no Korean for {message!r}"
        assert korean in text
        assert message not in text


@pytest.mark.parametrize(
    ("stratify", "word"),
    [
        ("month", "월"),
        ("quarter", "분기"),
        ("region", "지역"),
        ("sex", "성별"),
        ("age_band", "연령대"),
    ],
)
def test_the_name_of_a_stratum_in_a_note_is_korean_too(stratify: str, word: str) -> None:
    for template in (messages.SPANS_TWO, messages.UNKNOWN_STRATUM):
        note = korean_text(Message(template, n=3, stratify=stratify))
        assert f"({word})" in note and stratify not in note
