"""Every kind of extra noise (`NoiseRates`) appears at about its rate and not at rate 0.

Each test draws one world with a single kind of noise switched on and compares it row by
row with the same world (same seed) without it: the extra noise has a random stream of
its own, so the two worlds hold the same rows.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from refwatch.simulate.dates import edtf_bounds
from refwatch.simulate.names import TYPO_KINDS, typo
from refwatch.simulate.world import HARD, NoiseRates, simulate_world

PEOPLE, SOURCES, SEED = 1500, 5, 3
Rows = list[dict[str, str]]


def _world(folder: Path, noise: NoiseRates | None) -> tuple[Rows, Rows]:
    summary = simulate_world(folder, people=PEOPLE, sources=SOURCES, seed=SEED, noise=noise)
    rows: Rows = []
    for path in summary.case_lists:
        with path.open(encoding="utf-8", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    with summary.truth.open(encoding="utf-8", newline="") as handle:
        truth = list(csv.DictReader(handle))
    return rows, truth


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Rows:
    return _world(tmp_path_factory.mktemp("clean"), None)[0]


def _paired(
    tmp: Path, clean: Rows, noise: NoiseRates
) -> list[tuple[dict[str, str], dict[str, str]]]:
    noisy, _ = _world(tmp, noise)
    assert len(noisy) == len(clean)
    return list(zip(clean, noisy, strict=True))


def _share(flags: list[bool]) -> float:
    return sum(flags) / len(flags)


def test_default_noise_is_no_noise(tmp_path: Path, clean: Rows) -> None:
    digest = [
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in simulate_world(tmp_path / "a", people=300, sources=4, seed=5).files
    ]
    again = [
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in simulate_world(
            tmp_path / "b", people=300, sources=4, seed=5, noise=NoiseRates()
        ).files
    ]
    assert digest == again


def test_same_seed_same_noisy_world(tmp_path: Path) -> None:
    a = simulate_world(tmp_path / "a", people=300, sources=5, seed=8, noise=HARD)
    b = simulate_world(tmp_path / "b", people=300, sources=5, seed=8, noise=HARD)
    assert [p.read_bytes() for p in a.files] == [p.read_bytes() for p in b.files]


@pytest.mark.parametrize("kind", ["typo", "glued", "given_first", "resplit"])
def test_name_noise_appears_at_its_rate(tmp_path: Path, clean: Rows, kind: str) -> None:
    pairs = [
        (c, n) for c, n in _paired(tmp_path, clean, NoiseRates(**{kind: 0.3})) if c["name_latin"]
    ]
    changed = [c["name_latin"] != n["name_latin"] for c, n in pairs]
    # given_first is a no-op for the 8% already written family name last
    low = 0.2 if kind == "given_first" else 0.24
    assert low <= _share(changed) <= 0.36, _share(changed)
    if kind == "glued":
        assert all(
            " " not in n["name_latin"] for (c, n), ch in zip(pairs, changed, strict=True) if ch
        )
    if kind == "given_first":
        moved = [
            (c["name_latin"], n["name_latin"])
            for (c, n), ch in zip(pairs, changed, strict=True)
            if ch
        ]
        assert all(new.split()[-1] == old.split()[0].capitalize() for old, new in moved), moved[:5]


def test_typo_kinds() -> None:
    import random

    rng = random.Random(1)
    assert typo("Kim Ae-ran", rng, "capital") != "Kim Ae-ran"
    for kind in TYPO_KINDS:
        for _ in range(50):
            out = typo("Choi Kumyon", rng, kind)
            assert out != "Choi Kumyon" or kind == "double"
            assert out.replace(" ", "").isalpha()
    assert typo("Choi Kumyon", random.Random(2), "first_letter")[0] != "C"
    dropped = typo("Kim Yeong", random.Random(3), "drop")
    assert len(dropped) == len("Kim Yeong") - 1


def test_no_hangul_in_the_listed_sources(tmp_path: Path, clean: Rows) -> None:
    noise = NoiseRates(no_hangul=0.9, no_hangul_sources=("SRN",))
    pairs = _paired(tmp_path, clean, noise)
    southern = [n for c, n in pairs if n["record_id"].startswith("SRN-")]
    others = [(c, n) for c, n in pairs if not n["record_id"].startswith("SRN-")]
    assert 0.85 <= _share([not n["name_hangul"] for n in southern]) <= 0.95
    assert all(c == n for c, n in others)
    assert all(n["name_hangul"] or n["name_latin"] for _, n in pairs)


def test_repeats_in_one_source_at_the_rate(tmp_path: Path) -> None:
    rows, truth = _world(tmp_path, NoiseRates(repeats=0.2))
    firsts: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row, t in zip(rows, truth, strict=True):
        firsts.setdefault((row["source"], t["true_person_id"]), []).append(row)
    twice = [v for v in firsts.values() if len(v) > 1]
    assert 0.16 <= len(twice) / len(firsts) <= 0.24
    labelled = [v for v in twice if v[0]["group"] and v[1]["group"]]
    assert labelled and all(v[0]["group"] == v[1]["group"] for v in labelled)
    none_rows, none_truth = _world(tmp_path / "none", NoiseRates(repeats=0.0))
    people = {
        (r["source"], t["true_person_id"]) for r, t in zip(none_rows, none_truth, strict=True)
    }
    assert len(people) == len(none_rows)


def test_dates_and_places_left_out_at_their_rate(tmp_path: Path, clean: Rows) -> None:
    pairs = _paired(tmp_path, clean, NoiseRates(no_dates=0.2, no_place=0.1))
    dated = [(c, n) for c, n in pairs if c["apprehended_on"]]
    assert 0.16 <= _share([not n["apprehended_on"] for _, n in dated]) <= 0.24
    placed = [(c, n) for c, n in pairs if c["apprehended_at"]]
    assert 0.07 <= _share([not n["apprehended_at"] for _, n in placed]) <= 0.13
    for c, n in pairs:  # nothing else changes; a date given still contains the truth
        assert n["apprehended_on"] in ("", c["apprehended_on"])
        assert n["sex"] == c["sex"] and n["flags"] == c["flags"]


def test_ages_off_by_one_or_two(tmp_path: Path, clean: Rows) -> None:
    rows, truth = _world(tmp_path, NoiseRates(age_off=0.3))
    clean_rows = clean
    plain = [
        (c, n, t) for c, n, t in zip(clean_rows, rows, truth, strict=True) if c["age"].isdigit()
    ]
    moved = [(c, n, t) for c, n, t in plain if c["age"] != n["age"]]
    assert 0.22 <= len(moved) / len(plain) <= 0.36
    for _, n, t in moved:
        true_age = int(t["apprehended_on"][:4]) - int(t["birth_year"])
        assert 1 <= abs(int(n["age"]) - true_age) <= 3
        assert (int(n["age"]) < 18) == (true_age < 18)
        assert (int(n["age"]) >= 60) == (true_age >= 60)


def test_hard_world_keeps_the_invariants(tmp_path: Path) -> None:
    rows, truth = _world(tmp_path, replace(HARD))
    for row, t in zip(rows, truth, strict=True):
        if row["apprehended_on"]:
            bounds = edtf_bounds(row["apprehended_on"])
            assert bounds is not None
            assert bounds[0].isoformat() <= t["apprehended_on"] <= bounds[1].isoformat()
        assert row["sex"] in ("", t["sex"])
        assert row["name_hangul"] or row["name_latin"]
        assert set(filter(None, row["flags"].split(";"))) <= set(t["flags"].split(";"))
