"""The one file that reaches into Splink's internals.

Why: Splink's public face (`Linker`, `SettingsCreator`, `block_on`, the comparison
libraries, `DuckDBAPI`/`SparkAPI`) does not offer everything a training plan needs: a
snapshot of the model to restore after a failed EM session, the trained prior, each
comparison level's m and u with whether they are fixed, a query against the backend that
returns its native result (Arrow) and the location of the Spark similarity jar. Those live
under `splink.internals` and in underscored attributes, which a minor Splink release may
rename. Kept here, behind small functions, an upgrade that moves them breaks one file and
its tests, and the rest of `linkage` reads only names this module makes public.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from splink import Linker
from splink.internals.database_api import DatabaseAPI
from splink.internals.splink_dataframe import SplinkDataFrame

__all__ = [
    "DatabaseAPI",
    "Level",
    "SplinkDataFrame",
    "levels",
    "model_snapshot",
    "one_thread",
    "restore_model",
    "run_sql",
    "similarity_jar",
    "trained_prior",
]


def model_snapshot(linker: Linker) -> Any:
    """A copy of the linker's trained model, for `restore_model` after a failed step."""
    return linker._settings_obj.core_model_settings.copy()  # type: ignore[no-untyped-call]


def restore_model(linker: Linker, snapshot: Any) -> None:
    linker._settings_obj.core_model_settings = snapshot


def trained_prior(linker: Linker) -> Any:
    """The probability that two random records match, as training left it (may be None)."""
    return linker._settings_obj._probability_two_random_records_match


@dataclass(slots=True)
class Level:
    """One comparison level (the null level excluded): its m and u, and whether the
    settings fixed them so that training leaves them alone."""

    _level: Any

    @property
    def m_fixed(self) -> bool:
        return bool(self._level._fix_m_probability)

    @property
    def u_fixed(self) -> bool:
        return bool(self._level._fix_u_probability)

    @property
    def m(self) -> Any:
        return self._level.m_probability

    @m.setter
    def m(self, value: float) -> None:
        self._level.m_probability = value

    @property
    def u(self) -> Any:
        return self._level.u_probability

    @u.setter
    def u(self, value: float) -> None:
        self._level.u_probability = value


def levels(linker: Linker) -> Iterator[Level]:
    """Every non-null level of every comparison of the linker's model, in order."""
    for comparison in linker._settings_obj.comparisons:
        for level in comparison._comparison_levels_excluding_null:
            yield Level(level)


@contextmanager
def one_thread(linker: Linker) -> Iterator[None]:
    """Run the block with the linker's DuckDB on one thread (other backends as they are).

    Why: DuckDB sums a column in parallel and adds the threads' partial sums in the order
    they finish, so expectation maximisation's expected counts (sums of match
    probabilities) came out a few units in the last place apart from run to run, and
    with them every m probability and match probability (issue 12). On one thread the
    sums are added in one order.
    """
    con = getattr(linker._db_api, "duckdb_con", None)
    if con is None:
        yield
        return
    before = int(con.execute("SELECT current_setting('threads')").fetchone()[0])
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {before}")


def run_sql(db_api: DatabaseAPI[Any], sql: str) -> Any:
    """The backend's own result of a query (a DuckDB relation, a Spark data frame)."""
    return db_api._execute_sql_against_backend(sql)


def similarity_jar() -> str:
    """The path of the jar with Splink's string-similarity functions for Spark."""
    from splink.internals.spark.jar_location import similarity_jar_location

    return str(similarity_jar_location())
