"""`splink_adapter` is the only door to Splink's internals: each of its functions works on
the installed Splink, and no other file of the package opens that door."""

from __future__ import annotations

import ast
from pathlib import Path

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pytest
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator

from refwatch.linkage import splink_adapter

PACKAGE = Path(__file__).resolve().parents[2] / "refwatch"
ADAPTER = PACKAGE / "linkage" / "splink_adapter.py"
# The private attributes of Splink objects that RefWatch needs (see the adapter's docstring).
SPLINK_PRIVATE = {
    "_settings_obj",
    "_probability_two_random_records_match",
    "_comparison_levels_excluding_null",
    "_fix_m_probability",
    "_fix_u_probability",
    "_execute_sql_against_backend",
    "_db_api",
}


def test_no_file_but_the_adapter_imports_splink_internals_or_touches_its_private_parts() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == ADAPTER:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "splink.internals"
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.module}")
            elif isinstance(node, ast.Import):
                found += [
                    f"{path.relative_to(PACKAGE)}:{node.lineno} {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("splink.internals")
                ]
            elif isinstance(node, ast.Attribute) and node.attr in SPLINK_PRIVATE:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
    assert found == []


@pytest.fixture
def linker() -> tuple[DuckDBAPI, Linker]:
    db_api = DuckDBAPI(duckdb.connect())
    table = pa.table(
        {"unique_id": [1, 2, 3, 4], "name": ["kim", "kim", "ri", "pak"], "year": [1, 1, 2, 3]}
    )
    frame = db_api.register(table, table_name="adapter_mentions")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.ExactMatch("name").configure(m_probabilities=[0.9, 0.1], u_probabilities=[0.2, 0.8]),
            cl.CustomComparison(
                output_column_name="year",
                comparison_levels=[
                    cll.NullLevel("year"),
                    cll.ExactMatchLevel("year").configure(
                        m_probability=0.8, fix_m_probability=True
                    ),
                    cll.ElseLevel().configure(m_probability=0.2, fix_m_probability=True),
                ],
            ),
        ],
        probability_two_random_records_match=0.25,
    )
    return db_api, Linker(frame, settings, log_level=None)


def test_the_levels_give_and_take_m_and_u_and_say_which_are_fixed(
    linker: tuple[DuckDBAPI, Linker],
) -> None:
    _, model = linker
    found = list(splink_adapter.levels(model))
    assert len(found) == 4  # two comparisons, exact and else, the null levels left out
    assert [level.m for level in found[:2]] == [0.9, 0.1]
    assert [level.u for level in found[:2]] == [0.2, 0.8]
    assert [level.m_fixed for level in found] == [False, False, True, True]
    assert not any(level.u_fixed for level in found)
    found[0].m = 0.5
    found[1].u = 0.7
    again = list(splink_adapter.levels(model))
    assert (again[0].m, again[1].u) == (0.5, 0.7)


def test_a_snapshot_restores_the_model_a_step_changed(linker: tuple[DuckDBAPI, Linker]) -> None:
    _, model = linker
    snapshot = splink_adapter.model_snapshot(model)
    next(splink_adapter.levels(model)).m = 0.01
    splink_adapter.restore_model(model, snapshot)
    assert next(splink_adapter.levels(model)).m == 0.9


def test_the_trained_prior_is_the_models(linker: tuple[DuckDBAPI, Linker]) -> None:
    assert splink_adapter.trained_prior(linker[1]) == 0.25


def test_sql_runs_on_the_backend_and_answers_in_its_own_form(
    linker: tuple[DuckDBAPI, Linker],
) -> None:
    db_api, _ = linker
    result = splink_adapter.run_sql(db_api, "SELECT count(*) AS n FROM adapter_mentions")
    assert result.to_arrow_table().column("n").to_pylist() == [4]


def test_one_thread_runs_duckdb_on_one_thread_and_gives_the_threads_back(
    linker: tuple[DuckDBAPI, Linker],
) -> None:
    db_api, model = linker

    def threads() -> int:
        return int(db_api.duckdb_con.execute("SELECT current_setting('threads')").fetchone()[0])

    db_api.duckdb_con.execute("SET threads = 3")
    with splink_adapter.one_thread(model):
        assert threads() == 1
    assert threads() == 3
    with pytest.raises(ZeroDivisionError), splink_adapter.one_thread(model):
        assert threads() == 1
        _ = 1 / 0
    assert threads() == 3


def test_the_spark_similarity_jar_is_a_file_of_the_installed_splink() -> None:
    jar = Path(splink_adapter.similarity_jar())
    assert jar.is_file() and jar.suffix == ".jar"
