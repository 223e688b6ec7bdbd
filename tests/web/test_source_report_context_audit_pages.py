"""Sources (grades, sealed contacts), reports (text only for those who may read it),
context observations and the admins' audit trail."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select, update

from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import sources
from refwatch.store.schema import AuditEntry, Observation, table_of
from tests.web.conftest import WebEnv
from tests.web.evidence_helpers import audit_rows, count, load_rows, post_form

INTAKE = {
    "source": "Text source",
    "reported_on": "2017-08-01",
    "text": "testimony-canary-Lm2",
    "m0_name_latin": "Yun Chol",
    "m0_apprehended_on": "2017-07",
}


def first_source(web: WebEnv) -> str:
    with web.workspace.read() as conn:
        return str(
            conn.execute(select(sources.c.id).where(sources.c.name == "Family contacts")).scalar()
        )


def test_a_researcher_grades_a_source_and_the_change_is_audited(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    source_id = first_source(web)
    researcher = web.sign_in("researcher")
    answer = post_form(researcher, f"/sources/{source_id}/reliability", {"grade": "b"})
    assert answer.status_code == 303
    page = researcher.get(f"/sources/{source_id}").text
    assert 'class="grade">B</span> usually reliable' in page
    entry = audit_rows(web.workspace, "source.reliability")[-1]
    assert entry.record_id == source_id and '"to":"B"' in entry.details
    refused = post_form(researcher, f"/sources/{source_id}/reliability", {"grade": "Z"})
    assert refused.status_code == 400
    analyst = web.sign_in("analyst")
    forbidden = post_form(analyst, f"/sources/{source_id}/reliability", {"grade": "E"})
    assert forbidden.status_code == 403
    assert 'class="grade" title="usually reliable">B</span>' in analyst.get("/sources").text


def test_a_source_contact_is_sealed_and_shown_only_to_roles_with_contacts(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    source_id = first_source(web)
    researcher = web.sign_in("researcher")
    contact = "Signal +00 contact-canary-9"
    saved = post_form(researcher, f"/sources/{source_id}/contact", {"contact": contact})
    assert saved.status_code == 303
    with web.workspace.read() as conn:
        sealed = conn.execute(
            select(sources.c.contact_enc).where(sources.c.id == source_id)
        ).scalar_one()
    assert contact.encode() not in sealed
    assert cipher.open("sources", "contact", source_id, sealed) == contact
    assert contact in researcher.get(f"/sources/{source_id}").text
    assert any(r.record_id == source_id for r in audit_rows(web.workspace, "names.read"))
    analyst = web.sign_in("analyst")
    assert contact not in analyst.get(f"/sources/{source_id}").text
    assert all(s["contact"] is None for s in analyst.get("/api/v1/sources").json())
    assert contact in str(researcher.get("/api/v1/sources").json())


def test_report_text_is_shown_to_researchers_and_never_to_analysts(web: WebEnv) -> None:
    researcher = web.sign_in("researcher")
    location = post_form(researcher, "/intake/report", INTAKE).headers["location"]
    report_id = researcher.get(location).text.split('href="/reports/')[1].split('"')[0]
    before = len(audit_rows(web.workspace, "names.read"))
    assert INTAKE["text"] in researcher.get(f"/reports/{report_id}").text
    assert researcher.get(f"/api/v1/reports/{report_id}").json()["text"] == INTAKE["text"]
    reads = audit_rows(web.workspace, "names.read")[before:]
    # One entry per read of the decrypted text (and name): the page, then the API.
    assert [(r.actor, r.record_id) for r in reads] == [("web:researcher", report_id)] * 2
    assert [json.loads(r.details)["path"] for r in reads] == [
        f"/reports/{report_id}",
        f"/api/v1/reports/{report_id}",
    ]
    assert all(json.loads(r.details)["count"] == 2 for r in reads)  # the text and one name
    assert not any(INTAKE["text"] in r.details or "Yun Chol" in r.details for r in reads)
    analyst = web.sign_in("analyst")
    page = analyst.get(f"/reports/{report_id}").text
    assert INTAKE["text"] not in page and "Yun Chol" not in page
    api = analyst.get(f"/api/v1/reports/{report_id}").json()
    assert api["text"] is None and api["names"] is None and api["has_text"] is True
    after = audit_rows(web.workspace, "names.read")
    assert len(after) == before + 2 and not any(r.actor == "web:analyst" for r in after)
    assert web.sign_in("viewer").get(f"/reports/{report_id}").status_code == 404


def test_the_report_list_filters_by_source_and_date(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    analyst = web.sign_in("analyst")
    family = analyst.get(f"/reports?source={first_source(web)}").text
    assert "Family contacts" in family and "SEO-00001" not in family
    september = analyst.get("/api/v1/reports?from=2017-09").json()
    assert september["total"] == 1 and september["reports"][0]["source"] == "Family contacts"
    assert analyst.get("/reports?from=soon").status_code == 400


def test_an_observation_recorded_through_the_form_is_listed_and_charted(web: WebEnv) -> None:
    researcher = web.sign_in("researcher")
    form = {
        "source": "Rescue network (synthetic)",
        "observed_on": "2017-06",
        "kind": "capacity_change",
        "value": "-80",
        "unit": "%",
        "description": "Capacity down about 80% since June 2017",
    }
    assert post_form(researcher, "/context/observations", form).status_code == 303
    assert "Capacity down about 80%" in web.sign_in("analyst").get("/context").text
    chart = web.sign_in("analyst").get("/context/observations.json").json()["observations"]
    assert chart[0]["kind"] == "capacity_change" and chart[0]["label"] == "-80 %"
    assert chart[0]["date"].startswith("2017-06")
    bad = post_form(researcher, "/context/observations", {**form, "observed_on": "June"})
    assert bad.status_code == 422 and count(web.workspace, Observation) == 1
    assert post_form(web.sign_in("analyst"), "/context/observations", form).status_code == 403


def test_the_context_chart_gets_each_range_whole_and_a_row_per_observation(web: WebEnv) -> None:
    researcher = web.sign_in("researcher")
    base = {"source": "Rescue network (synthetic)", "kind": "capacity_change", "unit": "%"}
    for n, observed_on in enumerate(("2017-06/2017-08", "2017-06-15", "2017-06-15")):
        form = {**base, "observed_on": observed_on, "value": str(-10 * (n + 1))}
        form["description"] = f"Capacity change {n} (synthetic)"
        answer = post_form(researcher, "/context/observations", form)
        assert answer.status_code == 303, answer.text[-600:]
    chart = web.sign_in("analyst").get("/context/observations.json").json()["observations"]
    ranged = [o for o in chart if o["ranged"]]
    assert len(ranged) == 1
    # A range is drawn from its first possible day to the day after its last, not as a dot.
    assert (ranged[0]["start"], ranged[0]["end"]) == ("2017-06-01", "2017-09-01")
    days = [o for o in chart if not o["ranged"]]
    assert [(o["start"], o["end"]) for o in days] == [("2017-06-15", "2017-06-16")] * 2
    # Two observations of one kind on one day get rows of their own: they cannot merge.
    assert sorted(o["slot"] for o in chart) == [0, 1, 2]
    assert {o["kind_label"] for o in chart} == {"change in capacity"}
    korean = web.sign_in("analyst").get("/context/observations.json?lang=ko").json()
    assert {o["kind_label"] for o in korean["observations"]} == {"수용 규모 변화"}
    page = web.sign_in("analyst").get("/context?lang=en").text
    assert "capacity_change" not in page.replace('value="capacity_change"', "")


def test_the_audit_page_shows_the_chain_check_and_filters_entries(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    admin = web.sign_in("admin")
    page = admin.get("/audit").text
    assert "chain-ok" in page
    imports = admin.get("/audit?action=import.").text
    assert "import.new" in imports and "workspace.init" not in imports
    by_actor = admin.get("/audit?actor=tester&action=import.file").text
    assert by_actor.count("<code>import.file</code>") == 1
    assert "Entries matching: 0" in admin.get("/audit?from=1999-01&to=1999-12").text
    entries = table_of(AuditEntry)
    with web.workspace.write() as conn:
        conn.execute(update(entries).where(entries.c.seq == 2).values(actor="someone else"))
    broken = admin.get("/audit").text
    assert "chain-bad" in broken and "entry 2" in broken
    assert web.sign_in("researcher").get("/audit").status_code == 403
