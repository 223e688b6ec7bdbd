"""Keys computed by Arrow (capped blocking keys, name-key ids) equal their row-by-row definition."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from refwatch.linkage.features import CAPPED_KEYS, SCHEMA, MentionTable, _arrow_table
from refwatch.linkage.run import key_ids


def _joined(*parts: Any) -> str | None:
    return None if any(p is None or p == "" for p in parts) else "|".join(map(str, parts))


def _capped(values: list[Any], cap: int) -> list[Any]:
    counts = Counter(v for v in values if v is not None)
    return [v if v is not None and counts[v] <= cap else None for v in values]


def _reference(data: dict[str, list[Any]], cap: int) -> dict[str, list[Any]]:
    """The keys as RefWatch defined them row by row (settings version 6)."""
    surname, given, ph = data["surname"], data["given"], data["ph"]
    sex, area = data["sex"], data["appr_area"]
    lo, hi = data["appr_lo"], data["appr_hi"]
    rows = range(len(surname))
    keys = {
        "ph_c": ph,
        "ph_bag_c": data["ph_bag"],
        "ph_tail_c": [p[1:] if p and len(p) > 4 else None for p in ph],
        "given_c": given,
        "hangul_c": [_joined(h, s) for h, s in zip(data["hangul"], sex, strict=True)],
        "surname_head_c": [_joined(surname[i], (given[i] or "")[:3]) for i in rows],
        "surname_tail_c": [_joined(surname[i], (given[i] or "")[-3:]) for i in rows],
        "surname_sex_area_c": [_joined(surname[i], sex[i], area[i]) for i in rows],
        "day_area_sex_c": [_joined(lo[i], hi[i], area[i], sex[i]) for i in rows],
        "area_ph2_c": [_joined(area[i], (ph[i] or "")[:2]) for i in rows],
    }
    return {name: _capped(keys[name], cap) for name in CAPPED_KEYS}


def _rows(count: int, seed: int) -> list[tuple[Any, ...]]:
    rng = random.Random(seed)
    texts = [None, "", "a", "kim", "kimyoNcol", "yoNcol", "김영희", "영", "éàü", "i|x", "ph"]

    def text() -> str | None:
        return rng.choice(texts)

    def day() -> int | None:
        return rng.choice([None, 0, 7, 730_000, 730_001])

    out = []
    for index in range(count):
        row: list[Any] = []
        for field in SCHEMA:
            if field.name == "unique_id":
                row.append(index)
            elif field.type == "int32":
                row.append(day())
            elif field.type == "bool":
                row.append(None)
            else:
                row.append(text())
        out.append(tuple(row))
    return out


def test_the_capped_keys_are_the_row_by_row_keys() -> None:
    for seed, cap in ((1, 3), (2, 40), (3, 1)):
        rows = _rows(400, seed)
        table = _arrow_table(rows, rare_name_cap=5, key_cap=cap)
        data = {f.name: [r[i] for r in rows] for i, f in enumerate(SCHEMA)}
        expected = _reference(data, cap)
        assert any(v is not None for v in expected["surname_head_c"])
        for name in CAPPED_KEYS:
            assert table.column(name).to_pylist() == expected[name], name
        assert table.column("name_key_rare").to_pylist() == _capped(data["name_key"], 5)


def test_an_empty_table_has_every_column() -> None:
    table = _arrow_table([], rare_name_cap=5, key_cap=3)
    assert table.num_rows == 0
    assert table.column_names[-len(CAPPED_KEYS) :] == list(CAPPED_KEYS)


def test_key_ids_number_keys_by_first_appearance_name_keys_first() -> None:
    schema = pa.schema([("name_key", pa.string()), ("name_key_alt", pa.string())])
    rng = random.Random(5)
    values = [None, "kim|yoNhi", "i|coNsu", "pak|mi", ""]
    for rows in (0, 1, 7, 300):
        data = {name: [rng.choice(values) for _ in range(rows)] for name in schema.names}
        table = pa.table(data, schema=schema)
        if rows > 3:
            table = pa.concat_tables([table.slice(0, rows // 3), table.slice(rows // 3)])
        found = key_ids(MentionTable(table, [str(i) for i in range(rows)], [""] * rows, 0))
        ids: dict[str, int] = {}
        expected = np.full((rows, 2), -1, dtype=np.int64)
        for column, name in enumerate(schema.names):
            for row, key in enumerate(data[name]):
                if key is not None:
                    expected[row, column] = ids.setdefault(key, len(ids))
        assert found.shape == (rows, 2) and found.dtype == np.int64
        assert found.tolist() == expected.tolist()
