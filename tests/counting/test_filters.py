"""One typed filter object (issue 13): what to count, as the CLI, the counts form and the
API give it, resolved once by make_query."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from refwatch.counting import CountFilter, make_query
from refwatch.counting.filters import FIELDS
from refwatch.domain.errors import InputError


def test_an_unknown_filter_is_refused_like_an_unknown_argument() -> None:
    with pytest.raises(TypeError):
        CountFilter.of(colour="red")
    with pytest.raises(TypeError):
        make_query(colour="red")


def test_blank_form_fields_mean_any_and_flags_keep_their_order() -> None:
    fields = {"event": " ", "from": "2017-07", "to": "", "as_of": None, "junk": "x"}
    asked = CountFilter.from_fields(fields, ["child", "", "older"])
    assert asked == CountFilter(period_from="2017-07", flags=("child", "older"))


def test_a_filter_goes_to_form_fields_and_back_unchanged() -> None:
    asked = CountFilter(
        event="detention",
        period_from=date(2017, 7, 1),
        period_to="2017-09",
        place="Tumen",
        sex="F",
        age_band="0-17",
        flags=("child",),
        source="A list",
        source_type="ngo_list",
        status="detained",
        as_of="2017-09-30",
    )
    pairs = asked.field_items()
    fields = {name: value for name, value in pairs if name != "flag"}
    again = CountFilter.from_fields(fields, [v for n, v in pairs if n == "flag"])
    assert again == CountFilter.of(asked, period_from="2017-07-01")
    assert set(fields) == set(FIELDS.values())


def test_the_object_and_its_keywords_make_the_same_query() -> None:
    asked = CountFilter(period_from="2017-07", period_to="2017-09", status="detained")
    assert make_query(asked, by="month") == make_query(
        period_from="2017-07", period_to="2017-09", status="detained", by="month"
    )
    assert make_query(asked, status="released").status == "released"


def test_a_status_asked_of_a_past_period_is_read_as_of_its_end() -> None:
    query = make_query(period_from="2017-07", period_to="2017-09", status="detained")
    assert query.as_of == "2017-09-30"
    assert make_query(status="detained", as_of="2017-08").as_of == "2017-08-31"
    assert make_query(period_to="2017-09").as_of is None


def test_an_error_names_the_field_not_an_interface_s_option() -> None:
    with pytest.raises(InputError) as caught:
        make_query(CountFilter(as_of="soon", status="detained"))
    assert caught.value.field == "as_of" and caught.value.code == "date.not_edtf"
    assert str(caught.value) == "--as-of: not an EDTF date: 'soon'"


def test_parsed_parameters_become_the_filter_by_name_and_the_rest_is_not_read() -> None:
    params = {"event": "detention", "sex": "F", "flag": ["child"], "by": ["month"], "as_json": 1}
    assert CountFilter.from_params(params) == CountFilter(
        event="detention", sex="F", flags=("child",)
    )
    assert CountFilter.from_params({"flag": None}) == CountFilter()


def test_every_option_of_count_and_trend_but_the_breakdown_and_output_is_a_filter() -> None:
    import typer

    from refwatch.cli import app

    names = {f.name for f in dataclasses.fields(CountFilter)} - {"flags"} | {"flag"}
    not_filters = {"ctx", "by", "purpose", "as_json"}
    commands = {c.name: c for c in typer.main.get_command(app).commands.values()}
    for name in ("count", "trend"):
        params = {p.name for p in commands[name].params} - not_filters
        assert params and params <= names, (name, params - names)
