"""Charts for fact sheets as SVG: Vega-Lite specs (Altair), rendered by vl-convert offline.

Why: a PDF needs static images and a fact sheet must be built without a network, so the
specs are rendered by vl-convert (which bundles Vega) to SVG. Bounds are drawn as what
they are: a bar for "at least" and a thin bar up to "at most".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert

import refwatch

WORLD_ATLAS = Path(refwatch.__file__).resolve().parents[1] / "node_modules" / "world-atlas"
# ISO 3166 numeric codes of the countries around the routes (China, the Koreas, Mongolia,
# Russia, Japan, Laos, Vietnam, Thailand, Myanmar, Cambodia): the rest is never in view.
REGION = frozenset({"156", "408", "410", "496", "643", "392", "418", "704", "764", "104", "116"})


def monthly_chart(rows: list[dict[str, Any]], title: str) -> str:
    """Bars per month: solid up to "at least", light up to "at most"."""
    data: dict[str, Any] = {"values": rows}
    base = alt.Chart(data).encode(x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-45)))
    upper = base.mark_bar(color="#c9d6e3").encode(y=alt.Y("at_most:Q", title="persons"))
    lower = base.mark_bar(color="#1f4e79").encode(y="at_least:Q")
    chart = (upper + lower).properties(width=460, height=180, title=title)
    return _svg(chart.to_dict())


def bars(rows: list[dict[str, Any]], label: str, title: str) -> str:
    data: dict[str, Any] = {"values": rows}
    base = alt.Chart(data).encode(y=alt.Y(f"{label}:N", title=None, sort="-x"))
    upper = base.mark_bar(color="#c9d6e3").encode(x=alt.X("at_most:Q", title="persons"))
    lower = base.mark_bar(color="#1f4e79").encode(x="at_least:Q")
    return _svg(
        (upper + lower).properties(width=380, height=18 * max(len(rows), 2), title=title).to_dict()
    )


def place_map(points: list[dict[str, Any]], title: str) -> str:
    """Circles at places (sized by "at most") over country outlines, when available."""
    layers: list[Any] = []
    outline = WORLD_ATLAS / "countries-50m.json"
    projection = {"type": "mercator", "center": [116, 33], "scale": 520}
    if outline.exists():
        topo = json.loads(outline.read_text(encoding="utf-8"))
        countries = topo["objects"]["countries"]
        countries["geometries"] = [g for g in countries["geometries"] if str(g.get("id")) in REGION]
        layers.append(
            alt.Chart({"values": topo, "format": {"type": "topojson", "feature": "countries"}})
            .mark_geoshape(fill="#f2f2f2", stroke="#999999", strokeWidth=0.5, clip=True)
            .project(**projection)
        )
    layers.append(
        alt.Chart({"values": points})
        .mark_circle(color="#b22222", opacity=0.7)
        .encode(
            longitude="lon:Q",
            latitude="lat:Q",
            # No legend inside the image: its text was measured with one font and drawn
            # with another, and the PDF cut it off ("persons (up tc"); the page says what
            # the circles mean, in text.
            size=alt.Size("at_most:Q", legend=None),
        )
        .project(**projection)
    )
    chart = alt.layer(*layers).properties(width=460, height=360, title=title)
    return _svg(chart.to_dict())


def _svg(spec: dict[str, Any]) -> str:
    return str(vl_convert.vegalite_to_svg(vl_spec=spec))
