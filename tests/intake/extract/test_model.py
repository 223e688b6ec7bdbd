"""The proposal JSON: written by `to_json`, read back strictly by `from_json`."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from refwatch.domain.errors import InputError
from refwatch.intake.extract import Claim, Extraction, Mention, Observation

CLAIM = Claim(
    number=41,
    qualifier="at_least",
    event="detention",
    status="detained",
    flags=(),
    sex=None,
    place="cn-jilin-changbai",
    date_from="2017-07",
    date_to="2017-08",
    text="China has detained at least 41 people in July and August 2017.",
    start=0,
    end=63,
)
MENTION = Mention(
    names_hangul=("김애란",),
    names_latin=("Kim Ae-ran",),
    sex="F",
    age=14,
    origin="kp-ryanggang-hyesan",
    date_from="2017-07",
    date_to="2017-08",
    place="cn-jilin-tumen",
    status="returned",
    flags=("child",),
    text="Kim Ae-ran (김애란), 14, from Hyesan, was sent back.",
    start=64,
    end=110,
    event="return",
)
OBSERVATION = Observation(
    kind="capacity_change",
    value=-80.0,
    unit="percent",
    date_from="2017-06",
    date_to=None,
    text="The network's capacity is down 80% since June 2017.",
    start=111,
    end=160,
)
FULL = Extraction(claims=(CLAIM,), mentions=(MENTION,), observations=(OBSERVATION,), language="en")


def _json() -> dict[str, Any]:
    return copy.deepcopy(FULL.to_json())


def test_to_json_has_the_issue_keys() -> None:
    data = FULL.to_json()
    assert set(data) == {"claims", "mentions", "observations", "language"}
    assert set(data["claims"][0]) >= {
        "number", "qualifier", "event", "status", "flags", "sex", "place", "from", "to", "text"
    }  # fmt: skip
    assert set(data["observations"][0]) >= {"kind", "value", "unit", "from", "to", "text"}
    assert data["claims"][0]["from"] == "2017-07" and data["claims"][0]["to"] == "2017-08"


def test_round_trip() -> None:
    assert Extraction.from_json(FULL.to_json(), file="p.json") == FULL


@pytest.mark.parametrize(
    ("path", "value", "where", "reason"),
    [
        (("claims", 0, "number"), -5, "claims[0].number", "between"),
        (("claims", 0, "number"), 10**30, "claims[0].number", "between"),
        (("claims", 0, "number"), True, "claims[0].number", "whole number"),
        (("claims", 0, "number"), "41", "claims[0].number", "whole number"),
        (("claims", 0, "qualifier"), "roughly", "claims[0].qualifier", "must be one of"),
        (("claims", 0, "qualifier"), None, "claims[0].qualifier", "required"),
        (("claims", 0, "event"), "arrest", "claims[0].event", "must be one of"),
        (("claims", 0, "status"), "held", "claims[0].status", "must be one of"),
        (("claims", 0, "flags"), ["kid"], "claims[0].flags", "must hold only"),
        (("claims", 0, "flags"), ["child", "child"], "claims[0].flags", "twice"),
        (("claims", 0, "flags"), "child", "claims[0].flags", "must be a list"),
        (("claims", 0, "sex"), "female", "claims[0].sex", "must be one of"),
        (("claims", 0, "place"), "Tumen", "claims[0].place", "gazetteer"),
        (("claims", 0, "from"), "July 2017", "claims[0].from", "EDTF"),
        (("claims", 0, "to"), "2016-01", "claims[0].to", "ends before"),
        (("claims", 0, "start"), -1, "claims[0].start", "≥ 0"),
        (("mentions", 0, "age"), 300, "mentions[0].age", "between"),
        (("mentions", 0, "names_hangul"), "김애란", "mentions[0].names_hangul", "list"),
        (("mentions", 0, "names_latin"), [""], "mentions[0].names_latin", "non-empty"),
        (("mentions", 0, "origin"), "kp-nowhere", "mentions[0].origin", "gazetteer"),
        (("observations", 0, "kind"), "rumour", "observations[0].kind", "must be one of"),
        (("observations", 0, "value"), "80%", "observations[0].value", "number"),
        (("observations", 0, "unit"), "pct", "observations[0].unit", "must be one of"),
    ],
)
def test_bad_field_names_file_item_and_field(
    path: tuple[str | int, ...], value: object, where: str, reason: str
) -> None:
    data = _json()
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(InputError) as info:
        Extraction.from_json(data, file="reviewed.json")
    message = str(info.value)
    assert message.startswith("reviewed.json, column "), message
    assert where in message and reason in message, message


def test_protected_fields_are_named_not_quoted() -> None:
    data = _json()
    data["mentions"][0]["names_latin"] = ["Kim Secret", 5]
    data["claims"][0]["text"] = None
    with pytest.raises(InputError) as info:
        Extraction.from_json(data, file="r.json")
    assert "claims[0].text" in str(info.value)
    data["claims"][0]["text"] = "fine"
    with pytest.raises(InputError) as info:
        Extraction.from_json(data, file="r.json")
    assert "mentions[0].names_latin" in str(info.value)
    assert "Kim Secret" not in str(info.value)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["claims"][0].update(extra=1),
        lambda d: d["claims"][0].pop("event"),
        lambda d: d.update(persons=[]),
        lambda d: d.pop("mentions"),
        lambda d: d.update(claims={}),
        lambda d: d["claims"].append("41 detained"),
        lambda d: d.update(language="fr"),
    ],
)
def test_structure_errors(mutate: Any) -> None:
    data = _json()
    mutate(data)
    with pytest.raises(InputError) as info:
        Extraction.from_json(data, file="r.json")
    assert str(info.value).startswith("r.json")


@pytest.mark.parametrize("data", [[], "claims", None, 41])
def test_not_an_object(data: object) -> None:
    with pytest.raises(InputError, match=r"r\.json: the proposals must be a JSON object"):
        Extraction.from_json(data, file="r.json")


def test_empty_lists_and_missing_offsets_are_fine() -> None:
    data = _json()
    for key in ("start", "end"):
        del data["claims"][0][key]
    read = Extraction.from_json(data, file="r.json")
    assert read.claims[0].start == 0 and read.claims[0].end == 0
    empty = Extraction.from_json({"claims": [], "mentions": [], "observations": []}, file="e")
    assert empty == Extraction((), (), (), "unknown")
