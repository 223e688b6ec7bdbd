"""A linkage run against a real workspace (SQLite and PostgreSQL): persons, ids, secrecy."""

from __future__ import annotations

import csv
import gc
import io
import json
from pathlib import Path

import pytest
from splink import DuckDBAPI, Linker
from sqlalchemy import select

from refwatch.domain.errors import ConflictError
from refwatch.intake.export import export
from refwatch.intake.gc_pause import gc_paused
from refwatch.intake.importer import import_files
from refwatch.linkage import LinkageConfig, decide, run_linkage
from refwatch.linkage.features import load_mentions
from refwatch.linkage.groups import group_weight
from refwatch.linkage.model import register_term_frequencies
from refwatch.linkage.names import name_features
from refwatch.linkage.run import StageClock, duckdb_connection
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, Person, table_of
from refwatch.store.schema_linkage import LinkagePair, LinkageRun, PersonRetirement
from refwatch.store.workspace import Workspace
from tests.conftest import row, write_csv
from tests.linkage.conftest import WorldFactory, all_links, groups, person_of

runs = table_of(LinkageRun)
persons = table_of(Person)
audit_entries = table_of(AuditEntry)
pair_table = table_of(LinkagePair)
retirements = table_of(PersonRetirement)


def test_a_run_joins_mentions_into_fewer_persons_and_every_link_gets_a_probability(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    world = make_world(workspace, cipher)
    before = len(set(person_of(workspace).values()))
    summary = run_linkage(workspace, cipher, "tester")
    after = person_of(workspace)
    assert summary.mentions == world.rows == len(after) == before
    assert summary.persons == len(set(after.values())) < before
    out = io.StringIO()
    export(workspace, "mentions", "csv", out)
    exported = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(exported) == world.rows
    assert all(0.0 <= float(r["match_probability"]) <= 1.0 for r in exported)
    with workspace.read() as conn:
        run = conn.execute(select(runs)).one()
    assert run.status == "done" and run.mentions == world.rows


def test_a_run_says_where_its_time_went_step_by_step(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    make_world(workspace, cipher)
    steps: list[str] = []
    summary = run_linkage(workspace, cipher, "tester", lambda what, _d, _t: steps.append(what))
    assert list(summary.stages) == steps[:-1] and steps[-1] == "done"
    assert {"reading mentions", "scoring candidate pairs", "writing persons"} <= set(steps)
    assert all(seconds >= 0 for seconds in summary.stages.values())
    assert sum(summary.stages.values()) <= summary.seconds + 0.05  # each rounded to 0.01 s
    with workspace.read() as conn:
        saved = json.loads(conn.execute(select(runs.c.summary)).scalar_one())
    assert saved["stages"] == summary.stages


def test_the_persons_found_are_mostly_the_true_persons(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    world = make_world(workspace, cipher, people=40)
    run_linkage(workspace, cipher, "tester")
    truth = world.true_person_of(workspace)
    found = groups(person_of(workspace))
    pure = sum(len({truth[m] for m in group}) == 1 for group in found)
    assert pure / len(found) >= 0.9
    assert len(found) <= len(set(truth.values())) * 1.15


def test_a_rerun_keeps_every_person_id_and_version(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    make_world(workspace, cipher)
    first = run_linkage(workspace, cipher, "tester")
    ids, links_before = person_of(workspace), all_links(workspace)
    with workspace.read() as conn:
        versions = dict(conn.execute(select(persons.c.id, persons.c.version)).all())
    second = run_linkage(workspace, cipher, "tester")
    assert person_of(workspace) == ids and all_links(workspace) == links_before
    with workspace.read() as conn:
        assert dict(conn.execute(select(persons.c.id, persons.c.version)).all()) == versions
    assert (second.created, second.retired, second.changed) == (0, 0, 0)
    assert second.kept == first.persons


def test_retired_ids_are_recorded_and_never_given_out_again(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory, tmp_path: Path
) -> None:
    make_world(workspace, cipher)
    summary = run_linkage(workspace, cipher, "tester")
    with workspace.read() as conn:
        query = select(retirements.c.person_id, retirements.c.successor_id)
        retired = {r.person_id: r.successor_id for r in conn.execute(query)}
        highest = max(conn.execute(select(persons.c.id)).scalars())
    assert len(retired) == summary.retired > 0
    assert set(retired).isdisjoint(person_of(workspace).values())
    assert set(retired.values()) <= set(person_of(workspace).values())
    extra = write_csv(
        tmp_path / "late.csv",
        [row(source="Late list", record_id="L-1", name_latin="Pyo Song-il", sex="M")],
    )
    from refwatch.intake.importer import import_file

    import_file(workspace, cipher, extra)
    run_linkage(workspace, cipher, "tester")
    newest = max(person_of(workspace).values())
    assert newest > highest and newest not in retired


def test_reading_names_for_a_run_is_audited_with_counts_only(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    world = make_world(workspace, cipher)
    summary = run_linkage(workspace, cipher, "tester")
    with workspace.read() as conn:
        entries = conn.execute(
            select(audit_entries).where(audit_entries.c.action.like("linkage.%"))
        ).all()
    reads = [e for e in entries if e.action == "linkage.read_names"]
    assert len(reads) == 1 and json.loads(reads[0].details)["mentions"] == world.rows
    assert any(e.action == "linkage.run" and e.record_id == summary.run_id for e in entries)
    assert workspace.verify_audit().ok


def _names_and_keys(folder: Path) -> tuple[set[str], set[str]]:
    names: set[str] = set()
    keys: set[str] = set()
    for path in folder.glob("*.csv"):
        if path.name == "truth.csv":
            continue
        with open(path, encoding="utf-8", newline="") as handle:
            for record in csv.DictReader(handle):
                hangul, latin = record["name_hangul"] or None, record["name_latin"] or None
                names.update(n for n in (hangul, latin) if n and len(n) >= 3)
                features = name_features(hangul, latin)
                keys.update(k for k in (features.key, features.key_alt, features.given) if k)
    return names, keys


def test_no_name_and_no_key_derived_from_one_is_stored_or_spilled(
    workspace: Workspace,
    cipher: FieldCipher,
    make_world: WorldFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = make_world(workspace, cipher)
    scratch = tmp_path / "cwd"
    scratch.mkdir()
    monkeypatch.chdir(scratch)
    run_linkage(workspace, cipher, "tester")
    assert list(scratch.iterdir()) == []  # DuckDB spilled nothing to a temporary folder
    names, keys = _names_and_keys(world.folder)
    keys = {k for k in keys if len(k) >= 4}
    with workspace.read() as conn:
        stored = [
            json.dumps([str(v) for v in r], ensure_ascii=False)
            for table in (runs, pair_table, retirements, audit_entries)
            for r in conn.execute(select(table))
        ]
    text = "\n".join(stored)
    assert not [n for n in names if n in text]
    assert not [k for k in keys if f'{k}"' in text or f"|{k}" in text]
    if workspace.dialect == "sqlite":
        raw = b"".join(p.read_bytes() for p in workspace.path.glob("refwatch.db*"))
        assert not [n for n in names if n.encode("utf-8") in raw and not n.isascii()]


def test_a_run_refuses_to_overwrite_evidence_imported_while_it_ran(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory, tmp_path: Path
) -> None:
    make_world(workspace, cipher)
    before = all_links(workspace)
    late = write_csv(tmp_path / "late.csv", [row(source="Late list", record_id="L-9")])
    from refwatch.intake.importer import import_file

    def meanwhile(what: str, done: int, total: int) -> None:
        if what == "clustering":
            import_file(workspace, cipher, late)

    with pytest.raises(ConflictError):
        run_linkage(workspace, cipher, "tester", meanwhile)
    links_now = all_links(workspace)
    assert {m: p for m, p in links_now.items() if m in before} == before
    with workspace.read() as conn:
        assert conn.execute(select(runs.c.status)).scalar_one() == "failed"


def test_a_not_the_same_decision_holds_in_every_later_run(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    make_world(workspace, cipher)
    run_linkage(workspace, cipher, "tester")
    joined = next(g for g in groups(person_of(workspace)) if len(g) >= 2)
    a, b = sorted(joined)[:2]
    decide(workspace, a, b, False, "reviewer")
    for _ in range(2):
        run_linkage(workspace, cipher, "tester")
        now = person_of(workspace)
        assert now[a] != now[b]


def test_a_same_person_decision_holds_in_every_later_run(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    make_world(workspace, cipher)
    run_linkage(workspace, cipher, "tester")
    current = person_of(workspace)
    lone = sorted(g for g in groups(current) if len(g) == 1)
    (a,), (b,) = lone[0], lone[1]
    decide(workspace, a, b, True, "reviewer")
    run_linkage(workspace, cipher, "tester")
    now = person_of(workspace)
    assert now[a] == now[b]


def test_the_saved_settings_are_declarative_json_with_the_trained_model(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    make_world(workspace, cipher, people=80)
    summary = run_linkage(workspace, cipher, "tester")
    with workspace.read() as conn:
        saved = json.loads(conn.execute(select(runs.c.settings)).scalar_one())
        kept = conn.execute(select(pair_table)).all()
    assert saved["refwatch"]["threshold"] == summary.threshold
    model = saved["splink"]
    names = [c["output_column_name"] for c in model["comparisons"]]
    assert names[0] == "name" and "apprehended" in names
    assert model["blocking_rules_to_generate_predictions"]
    assert all(
        level.get("is_null_level") or level["m_probability"] > 0
        for c in model["comparisons"]
        for level in c["comparison_levels"]
    )
    # Since settings version 6 the group evidence (`groups`) is one more part.
    assert saved["refwatch"]["group_bar"] is not None
    assert kept and all(len(p.detail.split(";")) == len(names) + 1 for p in kept)


def test_the_saved_model_scores_the_kept_pairs_again_to_the_same_probabilities(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    make_world(workspace, cipher, people=80)
    run_linkage(workspace, cipher, "tester")
    with workspace.read() as conn:
        saved = json.loads(conn.execute(select(runs.c.settings)).scalar_one())
        # The group evidence of settings version 6 is added after Splink: the last part
        # of each pair's detail says how many bits (`groups`).
        kept = {
            (p.mention_a, p.mention_b): (p.match_probability, float(p.detail.split(":")[-1]))
            for p in conn.execute(select(pair_table))
        }
        table = load_mentions(conn, cipher, rare_name_cap=saved["refwatch"]["rare_name_cap"])
    with duckdb_connection(LinkageConfig()) as con:
        db_api = DuckDBAPI(con)
        linker = Linker(db_api.register(table.table), saved["splink"], log_level=None)
        config = LinkageConfig.from_dict(saved["refwatch"])
        register_term_frequencies(
            db_api,
            linker,
            table.table,
            own_mentions=config.tf_own_mentions,
            pair_shares=config.tf_pair_shares,  # settings version 7
        )
        again = linker.inference.predict(warning_mode="never").as_record_list()
    ids = table.mention_ids
    rescored = {
        tuple(sorted((ids[r["unique_id_l"]], ids[r["unique_id_r"]]))): r["match_weight"]
        for r in again
    }
    assert LinkageConfig.from_dict(saved["refwatch"]).group_bar is not None
    assert kept and all(
        1 / (1 + 2 ** -(rescored[pair] + (group_weight() if bits > 0 else 0.0)))
        == pytest.approx(p, abs=1e-9)
        for pair, (p, bits) in kept.items()
    )


def test_enough_same_person_decisions_train_the_model_too(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    world = make_world(workspace, cipher, people=120, seed=4)
    truth = world.true_person_of(workspace)
    by_person: dict[str, list[str]] = {}
    for mention, person in sorted(truth.items()):
        by_person.setdefault(person, []).append(mention)
    true_pairs = [tuple(ms[:2]) for ms in by_person.values() if len(ms) >= 2]
    assert len(true_pairs) >= 20
    for a, b in true_pairs[:20]:
        decide(workspace, a, b, True, "reviewer")
    summary = run_linkage(workspace, cipher, "tester")
    assert "m from 20 reviewed pairs: ok" in summary.training
    now = person_of(workspace)
    assert all(now[a] == now[b] for a, b in true_pairs[:20])


def test_a_workspace_whose_dates_are_only_months_links_without_a_sure_pair(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    """The deterministic rules need a day-precise date; with none, Splink would set the
    prior match probability to 0 (every weight minus infinity). The prior is kept."""
    given = ["Yong-chol", "Myong-hui", "Song-ae", "Chol-min", "Kum-sun", "Hyok", "Un-jong"]
    family = ["Kim", "Ri", "Pak", "Choe", "Jong", "Han", "Kang", "Yun", "O"]
    rows = []
    for k in range(40):
        name = f"{family[k % len(family)]} {given[k % len(given)]} {k}"
        for source in ("Family contacts", "Seoul list"):
            rows.append(
                row(
                    source=source,
                    record_id=f"{source[:4]}-{k}",
                    name_latin=name,
                    sex="F" if k % 2 else "M",
                    apprehended_on=f"2017-{1 + k % 12:02d}",
                    apprehended_at="Tumen",
                    status="detained",
                )
            )
    import_files(workspace, cipher, [write_csv(tmp_path / "months.csv", rows)], actor="t")
    summary = run_linkage(workspace, cipher, "tester")
    assert summary.mentions == 80
    assert summary.persons < 80
    assert any("prior kept" in note for note in summary.training)


def test_a_run_turns_the_garbage_collector_back_on_as_it_found_it(
    workspace: Workspace, cipher: FieldCipher, make_world: WorldFactory
) -> None:
    make_world(workspace, cipher, people=10)
    seen: list[bool] = []
    gc.enable()  # whatever an earlier test in this worker left
    run_linkage(workspace, cipher, "tester", lambda *_: seen.append(gc.isenabled()))
    assert gc.isenabled() and seen and not any(seen)
    gc.disable()
    try:
        run_linkage(workspace, cipher, "tester")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_collector_paused_restores_the_collector_when_the_run_fails() -> None:
    gc.enable()  # whatever an earlier test in this worker left
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_step_named_twice_counts_both_times() -> None:
    ticks = iter([0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 63.0])
    clock = StageClock(now=lambda: next(ticks))  # 0
    for what in ("reading mentions", "scoring candidate pairs", "reading mentions", "done"):
        clock.start(what)  # 1, 3, 7, 15
    assert clock.stages() == {"reading mentions": 2.0 + 8.0, "scoring candidate pairs": 4.0}
    assert clock.total() == 63.0
