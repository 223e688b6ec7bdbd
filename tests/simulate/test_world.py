"""The synthetic world: formats, determinism, honest noise, overlap."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from refwatch.simulate.world import WorldSummary, simulate_world

from .test_edtf_helper import parse_interval, year_range

HEADER = [
    "source",
    "source_type",
    "reported_on",
    "record_id",
    "name_hangul",
    "name_latin",
    "sex",
    "birth_year",
    "age",
    "origin",
    "apprehended_on",
    "apprehended_at",
    "held_at",
    "status",
    "status_on",
    "group",
    "flags",
    "notes",
]
SOURCE_TYPES = {"family", "activist", "network", "ngo_list", "media", "official", "self"}
STATUSES = {"detained", "returned", "released", "safe", "died", "unknown"}
FLAGS = {"child", "older", "pregnant", "ill", "born_in_detention", "guide"}
PLACES = {
    "Tumen",
    "图们",
    "도문",
    "Yanji",
    "延吉",
    "연길",
    "Helong",
    "和龙",
    "Longjing",
    "龙井",
    "Hunchun",
    "珲春",
    "Changbai",
    "长白",
    "장백",
    "Baishan",
    "白山",
    "Dandong",
    "丹东",
    "단동",
    "Shenyang",
    "沈阳",
    "심양",
    "Harbin",
    "哈尔滨",
    "Qingdao",
    "青岛",
    "Kunming",
    "昆明",
    "Xishuangbanna",
    "西双版纳",
    "Jinghong",
    "景洪",
    "Mengla",
    "勐腊",
    "Mohan",
    "磨憨",
}
FACILITIES = {
    "Tumen border detention center",
    "Tumen detention facility",
    "图们边防支队看守所",
    "Yanji detention center",
    "Longjing detention center",
    "Helong detention center",
    "Changbai detention center",
    "Dandong border detention center",
    "Shenyang detention center",
    "Kunming detention center",
    "Xishuangbanna detention center",
    "Mengla detention center",
    "Baishan detention center",
    "Hunchun detention center",
}
ORIGINS = {
    "Hamgyongbuk-do, Musan",
    "North Hamgyong, Hoeryong",
    "함경북도 회령",
    "Hamgyŏng-pukto, Onsŏng",
    "Ryanggang, Hyesan",
    "Yanggang-do, Hyesan",
    "양강도 혜산",
    "North Hamgyong, Chongjin",
    "Chongjin",
    "South Hamgyong, Hamhung",
    "North Pyongan, Sinuiju",
    "Sinŭiju",
    "Chagang, Kanggye",
    "Pyongyang",
    "Kaesong",
    "Rason",
    "Hamgyongbuk-do, Kimchaek",
}


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldSummary:
    return simulate_world(tmp_path_factory.mktemp("world"), people=3000, sources=8, seed=42)


@pytest.fixture(scope="module")
def joined(world: WorldSummary) -> list[tuple[dict[str, str], dict[str, str]]]:
    """(case-list row, truth row) pairs for every row written."""
    _, truth_rows = read_csv(world.truth)
    truth = {(t["source"], t["record_id"]): t for t in truth_rows}
    pairs = []
    for path in world.case_lists:
        for row in read_csv(path)[1]:
            pairs.append((row, truth[(row["source"], row["record_id"])]))
    return pairs


def test_the_same_seed_writes_byte_identical_files_and_another_seed_does_not(
    tmp_path: Path,
) -> None:
    a = simulate_world(tmp_path / "a", people=400, sources=4, seed=7)
    b = simulate_world(tmp_path / "b", people=400, sources=4, seed=7)
    c = simulate_world(tmp_path / "c", people=400, sources=4, seed=8)
    names = [p.name for p in a.files]
    assert names == [p.name for p in b.files] == [p.name for p in c.files]
    assert all((a.out_dir / n).read_bytes() == (b.out_dir / n).read_bytes() for n in names)
    assert a.truth.read_bytes() != c.truth.read_bytes()


def test_every_case_list_has_exactly_the_domain_header(world: WorldSummary) -> None:
    assert len(world.case_lists) == 8
    for path in world.case_lists:
        header, rows = read_csv(path)
        assert header == HEADER, path
        assert rows, path
        assert path.name.endswith("-synthetic.csv")
        assert all("(synthetic)" in r["source"] for r in rows)


def test_every_truth_row_matches_exactly_one_case_list_row(world: WorldSummary) -> None:
    keys = Counter(
        (r["source"], r["record_id"]) for path in world.case_lists for r in read_csv(path)[1]
    )
    _, truth = read_csv(world.truth)
    truth_keys = Counter((t["source"], t["record_id"]) for t in truth)
    assert max(keys.values()) == 1
    assert truth_keys == keys
    assert world.rows == len(truth) == sum(n for _, n in world.rows_by_source)


def test_cells_use_the_allowed_vocabularies(
    joined: list[tuple[dict[str, str], dict[str, str]]],
) -> None:
    for row, _ in joined:
        assert row["source_type"] in SOURCE_TYPES
        assert row["status"] in STATUSES
        assert row["sex"] in {"F", "M", ""}
        assert not row["flags"] or set(row["flags"].split(";")) <= FLAGS
        assert not row["held_at"] or row["held_at"] in FACILITIES
        assert not row["origin"] or row["origin"] in ORIGINS
        assert row["name_hangul"] or row["name_latin"]
        date.fromisoformat(row["reported_on"])


def test_places_are_known_spellings_or_deliberately_unknown(
    joined: list[tuple[dict[str, str], dict[str, str]]],
) -> None:
    unknown = {r["apprehended_at"] for r, _ in joined} - PLACES - {""}
    assert unknown, "some rows should name an unknown place on purpose"
    assert all(any(w in u for w in ("village", "border", "road")) for u in unknown)


def test_every_noisy_date_interval_contains_the_true_date(
    joined: list[tuple[dict[str, str], dict[str, str]]],
) -> None:
    forms = Counter()
    for row, truth in joined:
        true_day = date.fromisoformat(truth["apprehended_on"])
        interval = parse_interval(row["apprehended_on"])
        forms[
            row["apprehended_on"].count("/"),
            row["apprehended_on"].endswith("~"),
            len(row["apprehended_on"]),
        ] += 1
        if interval is not None:
            assert interval[0] <= true_day <= interval[1], (row, truth)
        if row["status_on"]:
            assert row["status"] == truth["status"], (row, truth)
            iv = parse_interval(row["status_on"])
            assert iv is not None
            assert iv[0] <= date.fromisoformat(truth["status_on"]) <= iv[1], (row, truth)
        years = year_range(row["birth_year"])
        if years is not None:
            assert years[0] <= int(truth["birth_year"]) <= years[1], (row, truth)
    assert len(forms) >= 5  # day, day~, month, month range, day range, year, empty


def test_ages_are_within_a_year_or_two_when_approximate(
    joined: list[tuple[dict[str, str], dict[str, str]]],
) -> None:
    for row, truth in joined:
        if not row["age"]:
            continue
        true_age = date.fromisoformat(truth["apprehended_on"]).year - int(truth["birth_year"])
        shown = int(row["age"].rstrip("~"))
        assert abs(shown - true_age) <= (2 if row["age"].endswith("~") else 1), (row, truth)


def test_reports_never_contradict_the_truth_at_their_date(
    joined: list[tuple[dict[str, str], dict[str, str]]],
) -> None:
    lagging = 0
    for row, truth in joined:
        reported = date.fromisoformat(row["reported_on"])
        assert reported >= date.fromisoformat(truth["apprehended_on"])
        assert not row["sex"] or row["sex"] == truth["sex"]
        assert set(filter(None, row["flags"].split(";"))) <= set(truth["flags"].split(";"))
        if row["status"] in {"returned", "released", "safe", "died"}:
            assert row["status"] == truth["status"]
            assert date.fromisoformat(truth["status_on"]) <= reported
        if row["status"] == "detained" and truth["status"] != "detained":
            lagging += 1
    assert lagging > 0, "some sources should still say detained after a return"


def test_lists_overlap_and_hold_repeated_rows_and_shared_names(
    world: WorldSummary,
) -> None:
    _, truth = read_csv(world.truth)
    sources_of: dict[str, set[str]] = defaultdict(set)
    rows_per_source_person = Counter((t["source"], t["true_person_id"]) for t in truth)
    persons_of_name: dict[str, set[str]] = defaultdict(set)
    for t in truth:
        sources_of[t["true_person_id"]].add(t["source"])
        persons_of_name[t["name_hangul"]].add(t["true_person_id"])
    assert sum(len(s) >= 2 for s in sources_of.values()) > 100
    assert sum(n >= 2 for n in rows_per_source_person.values()) == world.duplicate_rows > 0
    assert len(persons_of_name["김영희"]) >= 2
    assert len(sources_of) == world.persons_reported


def test_noise_includes_missing_hangul_and_northern_family_names(
    joined: list[tuple[dict[str, str], dict[str, str]]],
) -> None:
    assert any(not r["name_hangul"] for r, _ in joined)
    assert any(
        r["name_hangul"].startswith("리") and t["name_hangul"].startswith("이") for r, t in joined
    )
    assert any(r["apprehended_on"] == "" for r, _ in joined)
    assert any("/" in r["apprehended_on"] for r, _ in joined)


def test_the_readme_says_the_data_is_synthetic_and_names_the_seed(world: WorldSummary) -> None:
    text = world.readme.read_text(encoding="utf-8")
    assert "SYNTHETIC" in text
    assert "seed 42" in text
    assert "truth.csv" in text


def test_babies_born_in_detention_carry_only_that_flag(world: WorldSummary) -> None:
    _, truth = read_csv(world.truth)
    babies = {t["true_person_id"]: t for t in truth if "born_in_detention" in t["flags"]}
    assert babies
    assert all(t["flags"] == "born_in_detention" for t in babies.values())


@pytest.mark.slow
def test_a_hundred_thousand_people_and_four_sources_are_generated(tmp_path: Path) -> None:
    # How long it takes is for a benchmark to print, not for a test to assert.
    summary = simulate_world(tmp_path, people=100_000, sources=4, seed=1)
    assert summary.people == 100_000
    assert summary.rows > 50_000
