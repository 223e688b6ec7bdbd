"""The person list (filters, name search, CSV) and the person page (timeline, conflicts,
mentions with match probabilities, group), and who sees names on them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import select, update

from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import links, reports, sources
from tests.conftest import row
from tests.web.conftest import WebEnv
from tests.web.evidence_helpers import audit_rows, ids_in_order, load_rows, post_form


def listed(web: WebEnv, query: str, role: str = "analyst") -> list[str]:
    page = web.sign_in(role).get(f"/persons?{query}")
    assert page.status_code == 200, page.text
    return ids_in_order(page.text, "persons-table") if "persons-table" in page.text else []


def source_ids(web: WebEnv, name: str) -> str:
    with web.workspace.read() as conn:
        return str(conn.execute(select(sources.c.id).where(sources.c.name == name)).scalar_one())


def test_the_person_list_filters_by_status_flag_region_period_facility_and_source(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    assert listed(web, "") == ["P-000001", "P-000002", "P-000003"]
    assert listed(web, "status=returned") == ["P-000001"]
    assert listed(web, "flag=child") == ["P-000002"]
    assert listed(web, "flag=child&flag=older") == []
    assert listed(web, "place=cn-yunnan") == ["P-000002"]  # Xishuangbanna lies in Yunnan
    assert listed(web, "place=cn-jilin-tumen") == ["P-000001"]
    # Custody that may have begun in August: only the "2017-07/2017-08" report.
    assert listed(web, "from=2017-08&to=2017-08") == ["P-000002"]
    assert listed(web, "status=detained&sort=held") == ["P-000003", "P-000002"]
    # Only P-000001 was held at the Tumen border detention center.
    assert listed(web, "facility=fac-cn-tumen-border-detention") == ["P-000001"]
    assert listed(web, "facility=fac-nowhere") == []
    assert listed(web, "facility=fac-cn-tumen-border-detention&status=detained") == []
    seoul, family = (
        source_ids(web, "Seoul Documentation Center"),
        source_ids(web, "Family contacts"),
    )
    assert listed(web, f"source={seoul}") == ["P-000001", "P-000002"]
    assert listed(web, f"source={family}") == ["P-000003"]
    assert listed(web, f"source={family}&flag=child") == []


def test_a_filter_that_is_not_a_date_is_refused_with_a_message(web: WebEnv) -> None:
    page = web.sign_in("analyst").get("/persons?from=last+summer")
    assert page.status_code == 400 and "EDTF" in page.text


def test_names_are_found_in_any_script_and_the_search_is_audited(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    browser = web.sign_in("researcher")

    def search(query: str) -> list[str]:
        page = post_form(browser, "/persons", {"q": query})
        assert page.status_code == 200
        return ids_in_order(page.text, "persons-table") if "persons-table" in page.text else []

    assert search("김송국") == ["P-000001"]
    assert search("Kim Song-guk") == ["P-000001"]  # written "Gim Songkook"
    assert search("Songkook Gim") == ["P-000001"]  # family name last
    assert search("리명희") == ["P-000002"]  # only "Ri Myong-hui" was written
    assert search("Lee Myeonghui") == ["P-000002"]
    assert search("이명희") == ["P-000002"]
    assert search("Choe") == []
    reads = audit_rows(web.workspace, "names.read")
    assert reads and all(r.actor == "web:researcher" for r in reads)
    assert not any("송국" in r.details or "Song" in r.details for r in reads)


def test_a_name_search_keeps_the_other_filters(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    browser = web.sign_in("researcher")
    detained = post_form(browser, "/persons", {"q": "Myong-hui", "status": "detained"}).text
    assert ids_in_order(detained, "persons-table") == ["P-000002"]
    returned = post_form(browser, "/persons", {"q": "Myong-hui", "status": "returned"}).text
    assert "persons-table" not in returned and "No person matches" in returned


def test_analysts_get_no_name_search_and_no_name_on_any_person_page(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    analyst = web.sign_in("analyst")
    assert post_form(analyst, "/persons", {"q": "Gim"}).status_code == 404
    pages = [analyst.get("/persons").text, analyst.get("/persons.csv").text]
    pages += [analyst.get(f"/persons/P-00000{i}").text for i in (1, 2, 3)]
    for text in pages:
        for secret in ("Gim Songkook", "김송국", "Ri Myong-hui", "박영희", "canary-note-Zq81"):
            assert secret not in text
    assert 'name="q"' not in pages[0]
    assert audit_rows(web.workspace, "names.read") == []


def test_the_csv_lists_the_filtered_persons_with_structured_facts_only(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    answer = web.sign_in("researcher").get("/persons.csv?status=detained")
    assert answer.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["person_id"] for r in table] == ["P-000002", "P-000003"]
    assert table[0]["flags"] == "child;ill" and table[0]["status"] == "detained"
    assert "Ri Myong-hui" not in answer.text and "박영희" not in answer.text


def test_the_person_page_shows_the_timeline_with_its_sources_and_names_for_researchers(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    page = web.sign_in("researcher").get("/persons/P-000001").text
    timeline = page[page.index('id="timeline"') : page.index("</ol>", page.index('id="timeline"'))]
    assert [kind for kind in ("apprehension", "detention", "return") if kind in timeline] == [
        "apprehension",
        "detention",
        "return",
    ]
    assert timeline.index("apprehension") < timeline.index("return")
    assert "Seoul Documentation Center" in timeline and "2017-07-13" in timeline
    assert "김송국" in page and "Gim Songkook" in page
    assert "canary-note-Zq81" in page  # notes: researchers may read them
    assert "FA71271" in page and "P-000002" in page  # the group and its other member
    reads = audit_rows(web.workspace, "names.read")
    assert [r.record_id for r in reads] == ["P-000001"]


def test_a_person_another_role_may_not_read_answers_404_like_a_missing_one(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    viewer = web.sign_in("viewer")
    existing, missing = viewer.get("/persons/P-000001"), viewer.get("/persons/P-999999")
    assert existing.status_code == missing.status_code == 404
    assert existing.text.replace("P-000001", "P-999999") == missing.text
    assert web.sign_in("researcher").get("/persons/P-999999").status_code == 404


def link_into(web: WebEnv, source_person: str, target_person: str, probability: float) -> None:
    """What a linkage run does: move a person's mention into another person (audited)."""
    with web.workspace.write() as conn:
        conn.execute(
            update(links)
            .where(links.c.person_id == source_person)
            .values(person_id=target_person, match_probability=probability)
        )
        audit.log(conn, "tester", "link.run", details={"moved": source_person})


def test_two_different_return_dates_are_shown_side_by_side(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    common = {
        "sex": "M",
        "apprehended_on": "2017-07-13",
        "apprehended_at": "Tumen",
        "status": "returned",
    }
    load_rows(
        web,
        cipher,
        tmp_path,
        [
            row(source="Family A", name_latin="Han Chol", status_on="2017-08", **common),
            row(source="Network B", name_latin="Han Cheol", status_on="2017-10-02", **common),
        ],
    )
    link_into(web, "P-000002", "P-000001", 0.97)
    browser = web.sign_in("analyst")
    page = browser.get("/persons/P-000001").text
    conflicts = page[page.index('id="conflicts"') : page.index('id="timeline"')]
    assert "2017-08" in conflicts and "2017-10-02" in conflicts
    assert "Family A" in conflicts and "Network B" in conflicts
    assert "97%" in page  # the match probability of the linked mention
    api = browser.get("/api/v1/persons/P-000001").json()
    kinds = {(c["kind"], c["event_type"]) for c in api["conflicts"]}
    assert ("date", "return") in kinds
    assert len(api["mentions"]) == 2
    apprehension = [t for t in api["timeline"] if t["event_type"] == "apprehension"]
    assert len(apprehension) == 1 and len(apprehension[0]["claims"]) == 2


def test_a_later_report_that_still_says_detained_after_a_return_marks_a_conflict(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_rows(
        web,
        cipher,
        tmp_path,
        [
            row(
                source="A",
                reported_on="2017-09-01",
                apprehended_on="2017-07",
                status="returned",
                status_on="2017-08",
            ),
            row(source="B", reported_on="2017-09-20", apprehended_on="2017-07", status="detained"),
        ],
    )
    link_into(web, "P-000002", "P-000001", 0.9)
    person = web.sign_in("analyst").get("/api/v1/persons/P-000001").json()["person"]
    assert person["status"] == "detained" and person["status_conflict"] is True


def test_the_person_page_lists_only_current_versions_of_corrected_reports(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    first = row(source="S", record_id="S-1", apprehended_on="2017-07", status="detained")
    load_rows(web, cipher, tmp_path, [first], "v1.csv")
    fixed = {**first, "status": "released", "status_on": "2017-09"}
    load_rows(web, cipher, tmp_path, [fixed], "v2.csv")
    page = web.sign_in("analyst").get("/persons/P-000001").text
    with web.workspace.read() as conn:
        versions = {r.supersedes_id is None: r.id for r in conn.execute(select(reports))}
    assert f"/reports/{versions[False]}" in page  # the correction
    assert f"/reports/{versions[True]}" not in page  # the version it replaced
    assert "release" in page


SCRIPTS = {
    # (the Hangul field, the Latin field): the intake form takes Hanzi in the Latin field.
    "hanzi": ("", "崔明南"),
    "hangul": ("박춘화", ""),
    "latin": ("", "Ri Song-ae"),
    "hangul and hanzi": ("김영철", "金英哲"),
}


def test_names_in_hanzi_hangul_and_latin_show_as_entered_on_the_person_page(
    web: WebEnv,
) -> None:
    researcher = web.sign_in("researcher")
    form: dict[str, str] = {"source": "Script test network", "reported_on": "2017-08-20"}
    for index, (hangul, latin) in enumerate(SCRIPTS.values()):
        form |= {
            f"m{index}_name_hangul": hangul,
            f"m{index}_name_latin": latin,
            f"m{index}_apprehended_on": f"2017-0{index + 1}",
            f"m{index}_apprehended_at": ("Tumen", "Hunchun", "Changbai", "Dandong")[index],
        }
    saved = post_form(researcher, "/intake/report", form)
    assert saved.status_code == 303, saved.text
    batch = researcher.get(saved.headers["location"]).text
    persons = ids_in_order(batch, "batch-rows")
    assert len(persons) == len(SCRIPTS)
    analyst = web.sign_in("analyst")
    for person_id, (script, (hangul, latin)) in zip(persons, SCRIPTS.items(), strict=True):
        answer = researcher.get(f"/persons/{person_id}")
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        page = answer.text
        names = page[
            page.index('id="person-names"') : page.index("</div>", page.index("person-names"))
        ]
        if hangul:
            assert f'<span lang="ko">{hangul}</span>' in names, script
        if latin and latin.isascii():
            assert f"<span>{latin}</span>" in names, script
        elif latin:
            assert f'<span lang="zh">{latin}</span>' in names, script  # Chinese glyph forms
        hidden = analyst.get(f"/persons/{person_id}").text
        assert analyst.get(f"/persons/{person_id}").status_code == 200
        for name in (hangul, latin):
            assert not name or name not in hidden, script
        assert 'id="person-names"' not in hidden
    # The same names, exactly as entered, in the API's answer for the researcher.
    api = researcher.get(f"/api/v1/persons/{persons[0]}").json()
    assert api["mentions"][0]["names"] == {"hangul": None, "latin": "崔明南"}
    both = researcher.get(f"/api/v1/persons/{persons[3]}").json()["mentions"][0]["names"]
    assert both == {"hangul": "김영철", "latin": "金英哲"}
    reads = audit_rows(web.workspace, "names.read")
    assert {r.record_id for r in reads} >= set(persons)
    assert not any("崔明南" in r.details or "박춘화" in r.details for r in reads)
