"""The public aggregate tables, computed by the counting engine and put in the ledger.

Why: a public release is a handful of tables — by month, province, status, sex, age band,
vulnerability, and month by province — each cell with its bounds, each table with its
total, every number recorded in the ledger (purpose: the release), then passed through
disclosure control. Places are provinces: finer places identify people too easily.
"""

from __future__ import annotations

from refwatch.counting import count_persons
from refwatch.counting.count import CountResult
from refwatch.counting.filters import CountFilter
from refwatch.publish.disclosure import TOTAL, PublicCell, PublicTable, suppress
from refwatch.store.workspace import Workspace

ONE_WAY = {
    "by_month": "month",
    "by_province": "province",
    "by_status": "status",
    "by_sex": "sex",
    "by_age_band": "age_band",
}
DESCRIPTIONS = {
    "by_month": "Persons whose detention began in each month",
    "by_province": "Persons by the province where custody began",
    "by_status": "Persons by their status as of the release date",
    "by_sex": "Persons by sex",
    "by_age_band": "Persons by age at the start of detention",
    "by_flag": "Persons by vulnerability (a person can have several)",
    "by_month_province": "Persons by month and province where custody began",
}


def _cell(result: CountResult, key: tuple[str, ...]) -> PublicCell:
    return PublicCell(key, result.at_least, result.at_most)


class _Counter:
    """Counts of the release's one question (detentions in the period, status as of the
    release date), each put in the ledger; `ledger` keeps the ids of one table's numbers."""

    def __init__(
        self, workspace: Workspace, criteria: CountFilter, actor: str, purpose: str
    ) -> None:
        self.workspace = workspace
        self.criteria = criteria
        self.actor = actor
        self.purpose = purpose
        self.ledger: list[str] = []

    def fresh(self) -> _Counter:
        """The same question, for the next table (its own ledger ids)."""
        return _Counter(self.workspace, self.criteria, self.actor, self.purpose)

    def __call__(self, by: tuple[str, ...] = ()) -> CountResult:
        result = count_persons(
            self.workspace,
            self.criteria,
            by=list(by) or None,
            record=True,
            actor=self.actor,
            purpose=self.purpose,
        )
        assert result.ledger_id is not None
        self.ledger.append(result.ledger_id)
        return result


def public_tables(
    workspace: Workspace,
    released: CountFilter,
    *,
    threshold: int,
    actor: str,
    purpose: str = "public data release",
) -> list[PublicTable]:
    """Every public table of the persons `released` counts (a release's detentions),
    suppressed, with the ledger ids of its numbers."""
    question = _Counter(workspace, released, actor, purpose)
    tables: list[PublicTable] = []
    for name, dimension in ONE_WAY.items():
        count = question.fresh()
        total = count()
        result = count((dimension,))
        cells = {c.key: PublicCell(c.key, c.at_least, c.at_most) for c in result.cells}
        cells[(TOTAL,)] = _cell(total, (TOTAL,))
        table = PublicTable(name, (dimension,), cells, [list(cells)], DESCRIPTIONS[name])
        table.ledger_ids = count.ledger
        tables.append(suppress(table, threshold))
    count = question.fresh()
    flags = count(("flag",))
    table = PublicTable(
        "by_flag",
        ("flag",),
        {c.key: PublicCell(c.key, c.at_least, c.at_most) for c in flags.cells},
        [],
        DESCRIPTIONS["by_flag"],
    )
    table.ledger_ids = count.ledger
    tables.append(suppress(table, threshold))
    tables.append(_two_way(question.fresh(), threshold))
    return tables


def _two_way(count: _Counter, threshold: int) -> PublicTable:
    inner = count(("month", "province"))
    rows = count(("month",))
    columns = count(("province",))
    total = count()
    months = [c.key[0] for c in rows.cells]
    provinces = [c.key[0] for c in columns.cells]
    found = {c.key: c for c in inner.cells}
    cells: dict[tuple[str, ...], PublicCell] = {}
    for m in months:
        for p in provinces:
            hit = found.get((m, p))
            cells[(m, p)] = PublicCell(
                (m, p), hit.at_least if hit else 0, hit.at_most if hit else 0
            )
    for c in rows.cells:
        cells[(c.key[0], TOTAL)] = PublicCell((c.key[0], TOTAL), c.at_least, c.at_most)
    for c in columns.cells:
        cells[(TOTAL, c.key[0])] = PublicCell((TOTAL, c.key[0]), c.at_least, c.at_most)
    cells[(TOTAL, TOTAL)] = _cell(total, (TOTAL, TOTAL))
    Key = tuple[str, ...]

    def pair(a: str, b: str) -> Key:
        return (a, b)

    groups: list[list[Key]] = [[pair(m, p) for p in provinces] + [pair(m, TOTAL)] for m in months]
    groups += [[pair(m, p) for m in months] + [pair(TOTAL, p)] for p in provinces]
    groups.append([pair(m, TOTAL) for m in months] + [pair(TOTAL, TOTAL)])
    groups.append([pair(TOTAL, p) for p in provinces] + [pair(TOTAL, TOTAL)])
    table = PublicTable(
        "by_month_province",
        ("month", "province"),
        cells,
        groups,
        DESCRIPTIONS["by_month_province"],
    )
    table.ledger_ids = count.ledger
    return suppress(table, threshold)
