"""API fuzzing with schemathesis: every operation of the app's OpenAPI schema, generated
requests (valid and invalid: wrong types, missing and extra fields, odd strings) sent to a
real `refwatch serve` over HTTP on the demo workspace, as every role (API tokens) and
anonymously. For every answer:

- no 5xx (schemathesis' `not_a_server_error`);
- a documented status answers with the documented body and content type
  (`response_schema_conformance`, `content_type_conformance`);
- every error is JSON `{"detail": …}`, never a stack trace or a file path;
- nothing an analyst, a viewer or an anonymous caller receives holds a name or note of
  the demo (the protected values are read back from the demo's own case lists).

Bounded: `EXAMPLES` generated cases per operation (plus schemathesis' explicit coverage
cases), each sent five times (four roles and anonymous). The figures are printed at the
end of the module (`pytest -s` or `-rP` shows them).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from refwatch.accounts import accounts, tokens
from refwatch.domain.roles import Role
from refwatch.simulate.load_demo import build_demo
from refwatch.store.keys import Secret
from refwatch.store.workspace import open_workspace
from refwatch.web.app import create_app
from tests import figures
from tests.conftest import PASSPHRASE, TEST_KDF
from tests.web.live_server import bearer, serving

EXAMPLES = 20
CALLERS = ("anonymous", "viewer", "analyst", "researcher", "admin")
NAME_BLIND = frozenset({"anonymous", "viewer", "analyst"})
TRACE_MARKS = ("Traceback (most recent call last)", 'File "/', "site-packages", '.py", line')

schema = schemathesis.openapi.from_dict(create_app(Path("/nonexistent-workspace")).openapi())


@dataclass
class FuzzTarget:
    base: str
    headers: dict[str, dict[str, str]]
    protected: frozenset[str]
    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)


def demo_protected_values(scratch: Path) -> frozenset[str]:
    """Every name and note the demo's case lists hold (long enough to be unambiguous)."""
    values = set()
    for path in scratch.glob("*.csv"):
        if path.name == "truth.csv":
            continue
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                for column in ("name_hangul", "name_latin", "notes"):
                    value = (row.get(column) or "").strip()
                    if len(value) >= 3:
                        values.add(value)
    return frozenset(values)


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    folder = tmp_path_factory.mktemp("fuzz")
    scratch = folder / "lists"
    build_demo(folder / "demo", Secret(passphrase=PASSPHRASE), scratch, kdf=TEST_KDF)
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    with open_workspace(folder / "demo") as workspace:
        for role in CALLERS[1:]:
            account = accounts.account_by_name(workspace, role)
            _, raw = tokens.issue_token(workspace, account.id, Role(role), "fuzz", actor="test")
            headers[role] = bearer(raw)
    protected = demo_protected_values(scratch)
    assert len(protected) > 100, "the demo's names were not found: the leak check would be empty"
    with serving(folder / "demo", folder / "server.log") as server:
        target = FuzzTarget(server.base, headers, protected)
        yield target
    if target.cases:
        test = "test_api_fuzz"
        figures.record(test, "schemathesis operations", len(target.cases))
        figures.record(test, "schemathesis cases", sum(target.cases.values()))
        figures.record(test, "requests (cases x callers)", sum(target.statuses.values()))
        figures.record(
            test, "5xx answers", sum(n for code, n in target.statuses.items() if code >= 500)
        )
        print(
            f"\nschemathesis: {len(target.cases)} operations, {sum(target.cases.values())} "
            f"cases, {sum(target.statuses.values())} requests; statuses {dict(target.statuses)}"
        )


def check_error_body(status: int, text: str) -> None:
    for mark in TRACE_MARKS:
        assert mark not in text, f"a stack trace or file path in a {status} answer"
    if status >= 400:
        body = json.loads(text)
        assert isinstance(body, dict) and "detail" in body, f"{status} without a JSON detail"


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_api_operation_survives_generated_requests_from_every_role(
    case: schemathesis.Case, fuzz_target: FuzzTarget
) -> None:
    fuzz_target.cases[case.operation.label] += 1
    for caller in CALLERS:
        response = case.call(base_url=fuzz_target.base, headers=fuzz_target.headers[caller])
        fuzz_target.statuses[response.status_code] += 1
        case.validate_response(
            response,
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            headers=fuzz_target.headers[caller],
        )
        check_error_body(response.status_code, response.text)
        if caller in NAME_BLIND:
            leaked = [v for v in fuzz_target.protected if v in response.text]
            assert leaked == [], f"{caller} received {len(leaked)} protected demo values"
