"""Issue 17, item 6: inputs one user can send that answered 500 (for everyone, in the
first case). Each is now a clear 4xx, or is shown as nothing. The non-ASCII digits in a
TOTP code are tried in tests/accounts/test_second_factor.py."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from refwatch.domain.errors import InputError
from refwatch.intake.context import add_observation
from refwatch.store.schema import Observation, table_of
from refwatch.web.deps import MAX_PAGE
from tests.web.conftest import WebEnv
from tests.web.evidence_helpers import count, post_form

FORM = {
    "source": "Rescue network (synthetic)",
    "observed_on": "2017-06",
    "kind": "capacity_change",
    "value": "-80",
    "unit": "%",
    "description": "Capacity down about 80% since June 2017",
}


@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity", "nan", "1e999"])
def test_an_infinite_observation_value_is_refused_and_cannot_break_the_chart(
    web: WebEnv, value: str
) -> None:
    researcher = web.sign_in("researcher")
    answer = post_form(researcher, "/context/observations", {**FORM, "value": value})
    assert answer.status_code == 422 and count(web.workspace, Observation) == 0
    with pytest.raises(InputError, match="finite"), web.workspace.write() as conn:
        add_observation(
            conn,
            source=FORM["source"],
            source_type=None,
            observed_on=FORM["observed_on"],
            kind=FORM["kind"],
            description=FORM["description"],
            value=float(value),
            actor="tester",
        )
    assert post_form(researcher, "/context/observations", FORM).status_code == 303
    # A row stored before the rule (or written behind the app's back) is charted as none.
    with web.workspace.write() as conn:
        conn.execute(update(table_of(Observation)).values(value=float("inf")))
    chart = web.sign_in("analyst").get("/context/observations.json")
    assert chart.status_code == 200
    assert chart.json()["observations"][0]["value"] is None


@pytest.mark.parametrize(
    "page", ["461168601842738791", "9223372036854775807", "99999999999999999999"]
)
def test_a_huge_page_number_is_a_clear_4xx_not_a_server_error(web: WebEnv, page: str) -> None:
    admin = web.sign_in("admin")
    from refwatch.intake.context import get_or_create_source

    with web.workspace.write() as conn:
        source_id = get_or_create_source(conn, "Family contacts", None, "tester")
    for path in ("/reports", f"/sources/{source_id}", "/audit", "/persons"):
        answer = admin.get(f"{path}?page={page}")
        assert answer.status_code == 422, (path, answer.status_code)
        assert admin.get(f"{path}?page={MAX_PAGE}").status_code == 200, path
    for path in ("/api/v1/persons", "/api/v1/events"):
        answer = admin.get(f"{path}?offset={page}")
        assert answer.status_code == 422, (path, answer.status_code)
