"""Hypothesis against the HTML forms: random field sets and values (any Unicode but lone
surrogates, NUL included, control characters, huge strings, valid choices mixed in),
posted with a valid CSRF token by a signed-in researcher or admin to the main forms:
report intake, case-list upload (random bytes, mutated valid CSV and XLSX), source
contact and grade, new user, counts ledger, fact sheets, releases, context observations,
linkage decisions, merge and split, name search.

Every answer is below 500 and shows no stack trace; when the form is refused (4xx)
nothing was written: every table's row count, the audit chain's length and its anchor
are unchanged."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import select

from refwatch.domain.caserecord import CASE_COLUMNS
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import sources
from refwatch.store.schema import AuditEntry, table_of
from tests import figures
from tests.web.conftest import WebEnv, csrf_of
from tests.web.evidence_helpers import load_rows
from tests.web.test_api_bodies import TRACE_MARKS, _state

EXAMPLES = 10
POSTS_PER_EXAMPLE = 3
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a browser could send: any code point but lone surrogates (a form is UTF-8), with
# NUL and other control characters, sometimes huge.
texts = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.sampled_from(["\x00", "a\x00b", "\r\n", "\u202e", "'; DROP TABLE persons; --"]),
    st.sampled_from(['=HYPERLINK("http://evil")', "<script>alert(1)</script>", "../../x"]),
)
# Huge values go to one field at a time (each form caps its fields' lengths, so a huge
# value anywhere stops the whole form at the first check).
huge = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=3).map(
    lambda s: s * 30_000
)
DATES = ["", "2017", "2017-07", "2017-07-13", "2017-07/2017-08", "2017-07-15~", "1900", "9999"]


def _fields(known: dict[str, list[str]]) -> st.SearchStrategy[dict[str, Any]]:
    """A random subset of the form's fields (valid choices or random text), plus strangers."""
    names = sorted(known)
    value_of = {
        name: st.one_of(st.sampled_from(choices), texts) if choices else texts
        for name, choices in known.items()
    }
    return st.builds(
        lambda chosen, values, extra, big: {
            **{n: values[n] for n in chosen},
            **extra,
            **(dict([big]) if big else {}),
        },
        st.sets(st.sampled_from(names)),
        st.fixed_dictionaries(value_of),
        st.dictionaries(st.text(min_size=1, max_size=12), texts, max_size=2),
        st.one_of(st.none(), st.none(), st.none(), st.tuples(st.sampled_from(names), huge)),
    )


STATUSES = ["detained", "returned", "released", "unknown", "died", "x"]
MENTION = {
    "name_hangul": ["김영철", ""],
    "name_latin": ["Kim Yong-chol", ""],
    "sex": ["M", "F", "X", ""],
    "apprehended_on": DATES,
    "apprehended_at": ["图们", "Tumen", ""],
    "held_at": ["Tumen border detention center", ""],
    "status": STATUSES,
    "status_on": DATES,
    "flags": ["guide", "child;ill", "nonsense"],
    "birth_year": ["1971", "-5", "99999"],
    "age": ["46", "-1", "300"],
}
FORMS: dict[str, tuple[str, dict[str, list[str]]]] = {
    "/intake/report": (
        "researcher",
        {
            "source": ["Fuzz source", ""],
            "source_type": ["network", "ngo_list", "x"],
            "reported_on": DATES,
            "language": ["en", "ko", "zz"],
            "text": [],
            **{f"m{i}_{k}": v for i in (0, 1, 9, 99) for k, v in MENTION.items()},
        },
    ),
    "/sources/{source}/contact": ("researcher", {"contact": []}),
    "/sources/{source}/reliability": ("researcher", {"grade": ["A", "F", "Z", "", "AA"]}),
    "/users": (
        "admin",
        {
            "username": ["fuzzed", "admin", ""],
            "role": ["viewer", "admin", "root"],
            "password": ["a long enough password", "short"],
        },
    ),
    "/counts/ledger": (
        "researcher",
        {
            "event": ["apprehension", "detention", "x"],
            "from": DATES,
            "to": DATES,
            "as_of": DATES,
            "place": ["cn-jilin", "nowhere"],
            "sex": ["F", "M", "x"],
            "age_band": ["0-17", "18-59", "x"],
            "flag": ["child", "x"],
            "source": ["", "x"],
            "source_type": ["ngo_list", "x"],
            "status": STATUSES,
            "by": ["month", "province", "x"],
            "purpose": [],
        },
    ),
    "/factsheets": (
        "admin",
        {
            "from": DATES,
            "to": DATES,
            "edition": ["public", "internal", "x"],
            "threshold": ["1", "5", "0", "-3", "x"],
            "as_of": DATES,
        },
    ),
    "/releases": (
        "admin",
        {
            "from": DATES,
            "to": DATES,
            "as_of": DATES,
            "threshold": ["1", "5", "0", "x"],
            "format": ["csv", "json", "sqlite", "exe"],
        },
    ),
    "/context/observations": (
        "researcher",
        {
            "source": ["Fuzz context", ""],
            "source_type": ["media", "x"],
            "observed_on": DATES,
            "kind": ["arrests", "x"],
            "value": ["12", "-3", "1e9", "x"],
            "unit": ["persons", ""],
            "description": [],
        },
    ),
    "/linkage/decisions": (
        "researcher",
        {
            "mention_a": ["", "00000000-0000-0000-0000-000000000000"],
            "mention_b": ["", "x"],
            "answer": ["same", "different", "skip", "maybe"],
            "reason": [],
            "run_id": [""],
        },
    ),
    "/persons/P-000001/merge": (
        "researcher",
        {"other": ["P-000002", "P-000001", "P-9"], "reason": []},
    ),
    "/persons/P-000003/split": ("researcher", {"mention": ["x", ""], "reason": []}),
    "/persons": ("admin", {"q": ["Gim", "김"], "status": STATUSES, "from": DATES, "flag": ["x"]}),
    "/claims": (
        "researcher",
        {
            "source": ["Fuzz org", ""],
            "source_type": ["ngo_list", "x"],
            "published_on": DATES,
            "number": ["41", "-1", "99999999999", "x"],
            "qualifier": ["at_least", "about", "x"],
            "event": ["detention", "transfer", "x"],
            "status": STATUSES,
            "sex": ["F", "x"],
            "place": ["Changbai", "cn-jilin", "nowhere"],
            "from": DATES,
            "to": DATES,
            "flags": ["child", "x"],
            "text": [],
        },
    ),
    "/extract": ("researcher", {"text": [], "source": ["Fuzz org", ""], "reported_on": DATES}),
    "/extract/accept": (
        "researcher",
        {
            "source": ["Fuzz org", ""],
            "reported_on": DATES,
            "language": ["en", "ko", "x"],
            "claims_count": ["1", "0", "-1", "99999", "x"],
            "c0.accept": ["1", ""],
            "c0.number": ["41", "-1", "x"],
            "c0.qualifier": ["at_least", "x"],
            "c0.event": ["detention", "x"],
            "c0.place": ["Changbai", "cn-jilin-changbai", "nowhere"],
            "c0.from": DATES,
            "c0.to": DATES,
            "c0.flags": ["child", "x"],
            "c0.text": [],
            "c0.start": ["0", "-5", "x"],
            "c0.end": ["10", "x"],
            "mentions_count": ["1", "x"],
            "m0.accept": ["1"],
            "m0.names_latin": ["Kim Fuzz", ""],
            "m0.age": ["34", "999", "x"],
            "m0.place": ["Tumen", "nowhere"],
            "m0.text": [],
        },
    ),
}
SENT: Counter[str] = Counter()
STATUS_SEEN: Counter[int] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _record_inputs() -> Iterator[None]:
    SENT.clear()
    STATUS_SEEN.clear()
    yield
    if SENT:
        figures.record("test_form_fuzz", "form posts fuzzed", sum(SENT.values()))
        figures.record("test_form_fuzz", "forms", len(SENT))
        figures.record("test_form_fuzz", "statuses", str(dict(sorted(STATUS_SEEN.items()))))


class Browsers:
    """Signed-in browsers (and their CSRF tokens) for one web fixture."""

    def __init__(self, web: WebEnv) -> None:
        self.web = web
        self.open: dict[str, tuple[TestClient, str]] = {}

    def __call__(self, role: str) -> tuple[TestClient, str]:
        if role not in self.open:
            client = self.web.sign_in(role)
            self.open[role] = (client, csrf_of(client))
        return self.open[role]


@pytest.fixture
def loaded(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> tuple[WebEnv, Browsers, str]:
    load_rows(web, cipher, tmp_path, sample_rows)
    with web.workspace.read() as conn:
        source = str(conn.execute(select(sources.c.id).limit(1)).scalar_one())
    return web, Browsers(web), source


Snapshot = tuple[dict[str, int], int]


def _snapshot(web: WebEnv) -> Snapshot:
    """Row counts of every table but the audit chain's, and the chain's length (which
    `_state` checks verifies)."""
    counts, entries, _anchor = _state(web)
    return {k: v for k, v in counts.items() if k not in ("audit_entries", "audit_head")}, entries


def _check(web: WebEnv, answer: Any, before: Snapshot, what: str) -> None:
    """No 5xx, no trace; a refusal wrote nothing but audit entries of reads (a refused
    merge shows the person page again, with its names, and logs that read: `names.read`,
    `linkage.read_reasons`)."""
    STATUS_SEEN[answer.status_code] += 1
    assert answer.status_code < 500, f"{what}: {answer.status_code}"
    assert not any(mark in answer.text for mark in TRACE_MARKS), what
    after = _snapshot(web)
    if answer.status_code >= 400:
        assert after[0] == before[0], f"{what}: refused ({answer.status_code}) but wrote"
        entries = table_of(AuditEntry)
        with web.workspace.read() as conn:
            actions = set(
                conn.execute(select(entries.c.action).where(entries.c.seq > before[1])).scalars()
            )
        assert all(".read" in a for a in actions), f"{what}: refused but audited {actions}"


@pytest.mark.slow
@pytest.mark.parametrize("form", sorted(FORMS))
@FUZZ
@given(data=st.data())
def test_random_form_posts_never_crash_and_a_refusal_writes_nothing(
    loaded: tuple[WebEnv, Browsers, str], form: str, data: st.DataObject
) -> None:
    """Each form: EXAMPLES examples of POSTS_PER_EXAMPLE random field sets in a row."""
    web, browsers, source = loaded
    role, known = FORMS[form]
    client, token = browsers(role)
    for _ in range(POSTS_PER_EXAMPLE):
        fields = data.draw(_fields(known), label="fields")
        before = _snapshot(web)
        answer = client.post(form.replace("{source}", source), data={**fields, "csrf_token": token})
        SENT[form] += 1
        _check(web, answer, before, f"POST {form}")


def _valid_csv() -> bytes:
    header = ",".join(CASE_COLUMNS)
    line = "Fuzz list,ngo_list,2017-08-16,F-1,,Kim,M,1971,,,2017-07,Tumen,,detained,,,,,"
    return f"{header}\n{line}\n".encode()


def _valid_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(CASE_COLUMNS))
    sheet.append(["Fuzz list", "ngo_list", "2017-08-16", "F-2", None, "Kim", "M", 1971])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _mutated(base: bytes, ops: list[tuple[float, int, int]]) -> bytes:
    out = bytearray(base)
    for where, kind, value in ops:
        at = min(int(where * len(out)), max(len(out) - 1, 0))
        if kind == 0 and out:
            out[at] ^= value or 1
        elif kind == 1:
            out[at:at] = bytes([value])
        else:
            del out[at : at + 1 + value % 8]
    return bytes(out)


upload_bodies = st.one_of(
    st.binary(max_size=3000),
    st.tuples(
        st.sampled_from(["csv", "xlsx"]),
        st.lists(st.tuples(st.floats(0, 1), st.integers(0, 2), st.integers(0, 255)), max_size=6),
    ),
)


@pytest.mark.slow
@settings(FUZZ, max_examples=4 * EXAMPLES)
@given(
    body=upload_bodies,
    name=st.sampled_from(["list.csv", "list.xlsx", "list.jsonl", "list.txt"]),
    commit=st.booleans(),
)
def test_random_and_mutated_uploads_are_previewed_or_refused_and_commit_cleanly(
    loaded: tuple[WebEnv, Browsers, str],
    body: bytes | tuple[str, list[tuple[float, int, int]]],
    name: str,
    commit: bool,
) -> None:
    web, browsers, _source = loaded
    client, token = browsers("researcher")
    if isinstance(body, tuple):
        kind, ops = body
        name = f"list.{kind}"
        body = _mutated(_valid_csv() if kind == "csv" else _valid_xlsx(), ops)
    before = _snapshot(web)
    answer = _upload(client, token, name, body)
    SENT["/intake/upload"] += 1
    _check(web, answer, before, f"upload {name}")
    assert _snapshot(web)[0] == before[0]  # a preview writes nothing, accepted or not
    if commit and 'name="token" value="' in answer.text:
        pending = answer.text.split('name="token" value="')[1].split('"')[0]
        done = client.post("/intake/upload/commit", data={"token": pending, "csrf_token": token})
        SENT["/intake/upload/commit"] += 1
        _check(web, done, before, "commit")
        assert done.status_code in (200, 303), done.status_code


def test_the_fuzzed_upload_bases_are_valid(loaded: tuple[WebEnv, Browsers, str]) -> None:
    """The mutations start from files the app accepts (else the fuzzing would only ever
    hit the first check)."""
    _web, browsers, _source = loaded
    client, token = browsers("researcher")
    for name, body in (("ok.csv", _valid_csv()), ("ok.xlsx", _valid_xlsx())):
        answer = _upload(client, token, name, body)
        assert answer.status_code == 200 and 'name="token"' in answer.text, answer.text[:500]
    with zipfile.ZipFile(io.BytesIO(_valid_xlsx())) as archive:
        assert "xl/worksheets/sheet1.xml" in archive.namelist()


def test_a_nul_in_a_merge_a_linkage_answer_or_a_token_label_is_refused_not_a_crash(
    loaded: tuple[WebEnv, Browsers, str],
) -> None:
    """Found by the fuzzing above: PostgreSQL cannot hold a NUL in text, and these three
    forms passed one to it (500). Now the database layer refuses it as bad input (400),
    rolling back; SQLite, which can hold one, may accept the label."""
    web, browsers, _source = loaded
    client, token = browsers("admin")
    posts = [
        ("/persons/P-000001/merge", {"other": "\x00", "reason": "r"}),
        ("/linkage/decisions", {"mention_a": "\x00", "mention_b": "x", "answer": "same"}),
        (f"/users/{web.users['viewer'].id}/tokens", {"role": "viewer", "label": "l\x00"}),
    ]
    for url, form in posts:
        before = _snapshot(web)
        answer = client.post(url, data={**form, "csrf_token": token})
        SENT[url] += 1
        _check(web, answer, before, f"POST {url}")
        if web.workspace.dialect != "sqlite":
            assert answer.status_code == 400, (url, answer.status_code)


def _upload(client: TestClient, token: str, name: str, body: bytes) -> Any:
    """A file sent to the upload preview as the page's script sends it."""
    return client.post(
        "/intake/upload",
        content=body,
        headers={
            "Content-Type": "application/octet-stream",
            "X-File-Name": name,
            "X-CSRF-Token": token,
        },
    )
